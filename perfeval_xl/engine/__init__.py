"""The pure engine: quantities, rates, scoring rules, criteria, grades and profiles. No Excel, no I/O."""
