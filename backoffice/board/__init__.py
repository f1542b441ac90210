"""The admin's index as a board: what needs the signed-in user today.

`tiles` declares each tile as data (what rows, which list shows exactly those
rows, whose step it is) and counts it with one query; `charts` reads the flow's
last 30 days and draws them as SVG geometry; `view` puts both on the page
(`templates/admin/board/index.html`). A tile is shown only to whoever may take
its step (the step's permission, `backoffice.steps` and the transitions), so
each role sees its own work.
"""
