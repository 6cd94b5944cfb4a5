"""Visits (走访) to households and firms in a grid on a cycle per kind; problems raised become cases."""
