"""Reports: analysis datasets, tables, figures, the order sheet and the HTML/PDF report."""
