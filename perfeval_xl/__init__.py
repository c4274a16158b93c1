"""perfeval-xl: compute and check 财政支出绩效评价 forms in Excel, in cells, on the ribbon and headless."""
__version__ = "0.1.0"
