"""一网通办: the service catalogue, situational guides, applications, evaluations and places."""
