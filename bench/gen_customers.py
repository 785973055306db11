#!/usr/bin/env python3
"""Writes N customers as the import template's CSV (bench/import.sh, IMP-5): every tenth
customer is the line manager of the nine after it (one in a hundred of those names a
manager further down the file), 1,000 companies with 5 departments each, countries by name
and code, a note on some rows; with --passwords every row has a password (one argon2id hash
each). Usage: gen_customers.py N [--passwords] > file.csv"""
import sys

n = int(sys.argv[1])
passwords = "--passwords" in sys.argv[2:]
countries = ["Netherlands", "NL", "Germany", "DE", "France", "United Kingdom", "US", "Belgium"]
w = sys.stdout.write
w("Title,First Name,Last Name,Email Address,Company,Department,Primary Company Contact,"
  "Primary Department Contact,Address 1,Address 2,City,State,Postcode/ Zip,Country,Phone,"
  "Mobile,Fax,Pager,Username,Password,Partners Email,Custom1,Custom2,Custom3,Custom4,"
  "Custom5,Notes,Locale,Line Manager Username\r\n")
out = []
for i in range(n):
    company = "Company %d" % (i % 1000)
    dept = "Dept %d" % ((i // 1000) % 5)
    if i % 10 == 0:
        manager = ""
    elif i % 100 == 5 and i + 10 < n:
        manager = "u%d" % (i - i % 10 + 10)  # a manager further down the file
    else:
        manager = "u%d" % (i - i % 10)
    notes = '"Met at the fair, ""VIP""\nsecond line"' if i % 50 == 0 else ""
    out.append(",First%d,Last%d,u%d@example.com,%s,%s,%d,0,Street %d,,City %d,,%05d,%s,"
               "+31 20 %07d,,,,u%d,%s,,,,,,,%s,,%s\r\n" % (
                   i, i, i, company, dept, 1 if i % 1000 == 0 else 0, i, i % 300, i % 100000,
                   countries[i % len(countries)], i, i, "pw-%08d" % i if passwords else "",
                   notes, manager))
    if len(out) == 10000:
        w("".join(out))
        out = []
w("".join(out))
