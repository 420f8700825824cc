"""Reading spreadsheets exported from elsewhere: encoding and delimiter
detection, header aliases, lenient value normalisation, the customer import
(`import csv`) and score-history back-fill (`import history`)."""
