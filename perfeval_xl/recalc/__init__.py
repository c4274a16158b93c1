"""Headless recalculation: evaluate every formula (PE_* through the engine), write cached values back
without touching anything else, review the forms, summarise a folder."""
