"""KPI rollups: per local day × date kind × division × unit × category × channel × state, kept by a catch-up job."""
