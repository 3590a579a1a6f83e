"""`streamlit run app.py` in a checkout: the packaged app (formcheck/app/main.py)."""

from formcheck.app.main import main

main()
