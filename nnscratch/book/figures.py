"""The figure pack: every figure of the site as an image file with its caption and alt text.

A Sphinx extension (``_config.yml``, ``sphinx.extra_extensions``). When the site is built it
writes ``_build/html/nnscratch-figures.zip`` (``nnscratch_figures_archive``), which the part
*For teachers* links: each figure of the pages of the table of contents (the chapters, and the
solutions when the site has them; exercises are not executed and draw none) as
``chapters-01_data-fig-digits.png``, numbered as on the site, with ``FIGURES.md``, a table of
each file's page, number, caption and alt text, and the license of each: CC BY 4.0, and for a
figure that shows MNIST digits (``MNIST_FIGURES``) also MNIST's CC BY-SA 3.0. A class site
(``make class-site``) has no solution pages, so its pack holds none of their figures.

The figures are read from the build environment after the build, for every page (an incremental
build writes only the changed pages, but the pack is always whole).
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from docutils import nodes
from sphinx.application import Sphinx

#: Figures that draw MNIST digits (their names), which carry MNIST's terms too. A test checks
#: that every figure cell calling a function that draws digits is named here.
MNIST_FIGURES = {"fig-digits"}
DIGIT_PLOTS = ("plot_digits",)

LICENSES = {
    False: "CC BY 4.0, the nnscratch contributors",
    True: "CC BY 4.0, the nnscratch contributors; the digits: MNIST (Y. LeCun, C. Cortes, "
    "C. J. C. Burges), CC BY-SA 3.0",
}
HEADER = """# The figures of *A deep neural network from scratch*

Every figure of the chapters (and solutions) of the site {site}.
License: CC BY 4.0 (https://creativecommons.org/licenses/by/4.0/), credit: "From A deep neural
network from scratch by the nnscratch contributors, {site}, CC BY 4.0". A figure that shows MNIST
digits also carries MNIST's terms for the digits (CC BY-SA 3.0,
https://creativecommons.org/licenses/by-sa/3.0/; its authors Y. LeCun, C. Cortes, C. J. C.
Burges): see the last column.

| file | page | figure | caption | alt text | license |
| --- | --- | --- | --- | --- | --- |
"""


def cell(text: str) -> str:
    """Text for one cell of a Markdown table."""
    return " ".join(text.split()).replace("|", "\\|")


def figures_of(app: Sphinx, docname: str) -> list[dict]:
    """The figures of one page: name, number, caption, alt text, image file in ``_images``."""
    env = app.env
    doctree = env.get_doctree(docname)
    numbers = env.toc_fignumbers.get(docname, {}).get("figure", {})
    out = []
    for figure in doctree.findall(nodes.figure):
        images = list(figure.findall(nodes.image))
        if not images or not figure["ids"]:
            continue
        uri = images[0]["uri"]
        if uri not in env.images:
            continue
        name = next((n for n in figure.get("names", []) if n.startswith("fig-")), figure["ids"][0])
        number = numbers.get(figure["ids"][0])
        caption = next(iter(figure.findall(nodes.caption)), None)
        out.append(
            {
                "name": name,
                "number": ".".join(map(str, number)) if number else "",
                "caption": caption.astext() if caption is not None else "",
                "alt": images[0].get("alt", ""),
                "image": env.images[uri][1],
                "suffix": Path(uri).suffix,
            }
        )
    return out


def write_pack(app: Sphinx, exception: Exception | None) -> None:
    if exception is not None or app.builder.format != "html":
        return
    out = Path(app.outdir)
    rows, files = [], {}
    pages = [d for d in app.env.found_docs if d.split("/")[0] in ("chapters", "solutions")]
    for docname in sorted(pages):
        title = app.env.titles[docname].astext() if docname in app.env.titles else docname
        for fig in figures_of(app, docname):
            name = f"{docname.replace('/', '-')}-{fig['name']}{fig['suffix']}"
            files[name] = out / "_images" / fig["image"]
            license_ = LICENSES[fig["name"] in MNIST_FIGURES]
            rows.append(
                f"| {name} | {cell(title)} | {fig['number']} | {cell(fig['caption'])} | "
                f"{cell(fig['alt'])} | {license_} |"
            )
    target = out / app.config.nnscratch_figures_archive
    partial = target.with_name(target.name + ".partial")
    site = app.config.html_baseurl or "(local build)"
    with zipfile.ZipFile(partial, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("FIGURES.md", HEADER.format(site=site) + "\n".join(rows))
        for name, path in files.items():
            archive.write(path, name)
    partial.replace(target)
    print(f"figure pack: {len(files)} figures from {len(pages)} pages in {target.name}")


def setup(app: Sphinx) -> dict:
    app.add_config_value("nnscratch_figures_archive", "nnscratch-figures.zip", "html")
    app.connect("build-finished", write_pack)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
