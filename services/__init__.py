"""Workflows that span the warehouse and the operational store, and every audit write.

A page callback, a route, an API endpoint or a CLI command calls one function here and
shows what it returns; the function checks the scope (``access``), reads the warehouse
(``queries``), writes the store (``ops``) and records the audit entry, in that order.
"""
