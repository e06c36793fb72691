"""Files the office downloads: Excel workbooks for finance and archives."""
