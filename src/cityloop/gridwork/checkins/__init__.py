"""Check-ins (巡查打卡) at patrol points: GPS within a radius or a signed tag, idempotent, append-only."""
