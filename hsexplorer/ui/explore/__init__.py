"""The Explore area: find what HubSpot stored, as a table, a timeline and exports.

`page.py` composes the area over `hsexplorer.controllers.explore` (the form's state, its
refusals, the running search, saved searches, export columns); `search_form.py` and
`property_filter_row.py` are the filter controls; `results_model.py` the 100,000-row table's
model; `occurrence_detail.py` the selected occurrence; `column_chooser.py` the export's columns.
The timeline and the per-day chart come from `hsexplorer.ui.explore.timeline_view`.
"""
