"""JSON Logic for policy criteria: validation against known attributes, a plain interpreter, a vectorised one."""
