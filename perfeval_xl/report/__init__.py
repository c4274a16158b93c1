"""Reports drafted from the checked forms: one .docx per form (:mod:`.draft`) and the reviewer's summary of a
batch (:mod:`.review`), written with python-docx on the Word template ``template.docx``."""
