Attribute VB_Name = "perfeval_ribbon"
' Ribbon callbacks of the 绩效评价 tab: each button runs one action of perfeval_xl/ribbon.py
' on the active sheet through xlwings' RunPython.
Option Explicit

Sub PE_ValidateSheet(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.validate_sheet()"
End Sub

Sub PE_ClearMarks(control As IRibbonControl)
    RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.clear_marks()"
End Sub

Sub PE_Recalculate(control As IRibbonControl)
    If MsgBox("将按评分标准重新计算，并把结果写入得分单元格。是否继续？", vbYesNo + vbQuestion, "重新计算") = vbYes Then
        RunPython "import perfeval_xl.ribbon; perfeval_xl.ribbon.recalculate()"
    End If
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
