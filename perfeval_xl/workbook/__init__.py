"""The workbook layer: grids of cell values in, recognised forms out; templates, examples, errors."""
