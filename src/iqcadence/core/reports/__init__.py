"""Reports: each one a data builder (plain rows and figures, shared by the PDF
and the CSV) and a renderer drawing it with `pdf.ReportPDF`."""
