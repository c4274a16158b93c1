"""The Excel add-in: build perfeval_xl/addin/perfeval_xl.xlam from the text sources in addin/, install it on Windows."""
