"""The field catalogue: every column's grade (GB/T 43697), personal-information class and masking rule."""
