"""Patrol points (打卡点位): tagged places on a cycle, with their responsible grid workers."""
