"""免申即享 fulfilment: each newly eligible subject's task through 核验 → 审批 → 兑付/发放, area-scoped and audited."""
