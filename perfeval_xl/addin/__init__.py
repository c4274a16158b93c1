"""The Excel add-in: build addin/perfeval_xl.xlam from text sources, install it on Windows."""
