"""Running Rasd as a service: the scheduler, run records, site health, alerts, leases, logs."""
