"""Loading agencies' tables into CKAN's DataStore (the portal's own loader).

``datastore`` holds the load itself (COPY into a staging table, column types
decided by PostgreSQL over whole columns, one insert into the DataStore
table), ``jobs`` the background job that loads and checks a resource's file
and keeps the load's status, ``messages`` the sentences of its errors.
"""
