"""Services: one function per user action. They own the transaction, apply the domain
rules, write rows and queue notifications. No telegram import here.
"""
