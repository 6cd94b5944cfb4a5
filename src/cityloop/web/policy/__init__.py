"""Policy pages: 可享政策 for firms and citizens, the admin policy editor, the dashboard and its cockpit panel."""
