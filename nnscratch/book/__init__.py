"""The book's own machinery, not the course's maths: what the site build adds to Jupyter Book.

- ``markdown``: MyST Markdown turned into plain Markdown that Colab, JupyterLab and GitHub show.
- ``copies``: a reader's copy of a notebook (the build's outputs, the cited values in the text,
  figure captions as lines, links to the published pages).
- ``reader``: the Sphinx extension that captures what the site shows while it is built, writes
  the copies and points the page's Colab button and download menu at them.
- ``branch``: ``python -m nnscratch.book.branch``, the tree the publishing workflow pushes.
- ``figures``: the Sphinx extension that writes the figure pack (every figure, its caption, alt
  text and license, in one archive).
- ``syllabus``: ``python -m nnscratch.book.syllabus``, the teacher's syllabus from the notebooks'
  openings (``make syllabus``).
- ``classsite``: ``python -m nnscratch.book.classsite``, a class site without the solutions, built
  and scanned (``make class-site``).

Nothing here is imported by the notebooks, the maths or the grader.
"""
