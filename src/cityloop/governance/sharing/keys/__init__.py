"""Scoped sharing keys, the shared data API behind them and its usage log."""
