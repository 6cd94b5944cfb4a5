"""政策找人: tell eligible and near-miss subjects (站内信 and SMS), once per subject, policy and standing."""
