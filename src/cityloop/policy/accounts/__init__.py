"""Policy accounts: which registry subject (enterprise, person) a 法人账号 or citizen account speaks for."""
