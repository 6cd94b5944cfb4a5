"""Policy dashboards: per policy, area and industry; eligible, near-miss, notified and (with fulfilment) paid."""
