"""The analyst workspace's domain (no HTTP): accounts, audit log, leads, cases, referrals, search."""
