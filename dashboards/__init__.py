"""Streamlit dashboard of the plan "Sammen for barn og unge": reads only the published snapshot."""
