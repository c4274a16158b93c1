Attribute VB_Name = "perfeval_ribbon"
' Ribbon callbacks of the perfeval-xl tab: each button runs one action of perfeval_xl/ribbon.py
' on the active sheet through xlwings' RunPython. Kept ASCII-only: VBA stores source in the
' project's ANSI code page, so every Chinese message lives on the Python side.
Option Explicit

Sub PE_ValidateSheet(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.validate_sheet()"
End Sub

Sub PE_ClearMarks(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.clear_marks()"
End Sub

Sub PE_Recalculate(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.recalculate()"
End Sub

Sub PE_Freeze(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.freeze()"
End Sub

Sub PE_InsertTemplate(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.insert_template()"
End Sub

Sub PE_ShowRules(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.show_rules()"
End Sub

Sub PE_DraftReport(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.draft_report()"
End Sub
