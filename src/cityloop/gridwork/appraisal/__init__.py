"""Monthly appraisal of grid workers (网格员考核) with documented formulas."""
