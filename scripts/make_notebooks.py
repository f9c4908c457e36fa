"""Write the three tutorial notebooks in notebooks/ (run again after changing a cell here).

The notebooks only call the package; the test suite executes them (tests/test_notebooks.py) so they never rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = {
    "01_registry_and_geocoding.ipynb": [
        new_markdown_cell(
            "# 1 · The OCOP registry and offline geocoding\n\n"
            "Read the bundled registry (the OCOP products and producers that the news names), see what it holds, "
            "what a raw file with problems looks like, and how producers are placed on the map without internet."),
        new_code_cell(
            "import pandas as pd\n"
            "from ocop_geo import settings\n"
            "from ocop_geo.registry import load_bundled_registry, load_registry\n"
            "registry = load_bundled_registry()\n"
            "summary = registry.summary()\n"
            "pd.Series(summary['by_group'], name='certified products')"),
        new_code_cell("pd.DataFrame({'by stars': pd.Series(summary['by_stars']),\n"
                      "              }).join(pd.Series(summary['by_district'], name='by district'), how='outer')"),
        new_markdown_cell("Producers are located only as precisely as the sources allow; `location_precision` "
                          "says how precisely."),
        new_code_cell("registry.producers[['producer_id', 'name', 'district', 'ward', 'location_precision',\n"
                      "                     'geocode_note']]"),
        new_markdown_cell("## A raw file with problems\nThe news-derived CSV, read as if it were a registry: "
                          "every problem is reported at once, with the row, the column and what to do."),
        new_code_cell("raw = load_registry(settings.data_dir / 'ocop' / 'hcmc_ocop_products.csv', geocode=False)\n"
                      "print(len(raw.products), 'accepted,', len(raw.rejected), 'rejected of', raw.n_input_rows)\n"
                      "for problem in raw.problems[:5]:\n    print(problem)"),
        new_markdown_cell("## Geocoding Vietnamese addresses offline"),
        new_code_cell(
            "from ocop_geo.geocode import geocode_frame\n"
            "addresses = pd.DataFrame({'address': [\n"
            "    'Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM',\n"
            "    '123 Nguyễn Trãi, P.2, Q.5',\n"
            "    'Trung An, Cu Chi',\n"
            "    'Phường 2',            # ambiguous: many districts have a Phường 2\n"
            "    'Phường Sài Gòn, TP.HCM',  # a 2025 ward name\n"
            "]})\n"
            "geocode_frame(addresses)[['lat', 'lon', 'precision', 'confidence', 'ward', 'district', 'ward_2025',\n"
            "                          'geocode_note']]"),
        new_code_cell("from ocop_geo.mapping import producer_map\n"
                      "m = producer_map(registry.producers, products=registry.products)\n"
                      "type(m).__name__"),
    ],
    "02_networks_and_travel_times.ipynb": [
        new_markdown_cell(
            "# 2 · Road networks and travel times\n\n"
            "Build the motorbike network of HCMC from the bundled 2018 OSM extract plus the supplementary road "
            "layer (cached after the first build), then compute travel times between producers on arrays."),
        new_code_cell("from ocop_geo.network import load_network, graph_summary\n"
                      "G = load_network(mode='motorbike')\n"
                      "graph_summary(G)"),
        new_code_cell("import geopandas as gpd\n"
                      "from ocop_geo.registry import load_bundled_registry\n"
                      "from ocop_geo.network import matrices\n"
                      "producers = load_bundled_registry().producers\n"
                      "placed = producers[producers.geometry.notna()].set_index('producer_id')\n"
                      "times, dists = matrices(G, placed.geometry)\n"
                      "(times / 60).round(0).iloc[:6, :6]"),
        new_markdown_cell("One leg with its road geometry, as the maps draw it:"),
        new_code_cell("from ocop_geo.network import route_between\n"
                      "a, b = placed.geometry.iloc[0], placed.geometry.iloc[1]\n"
                      "leg = route_between(G, a, b)\n"
                      "round(leg.travel_s / 60), round(leg.distance_m / 1000, 1), leg.off_network, leg.note"),
        new_markdown_cell("A coach uses fewer roads than a motorbike (no alleys, no residential streets):"),
        new_code_cell("coach = load_network(mode='coach')\n"
                      "graph_summary(coach)['edges'], graph_summary(G)['edges']"),
    ],
    "03_planning_and_publishing.ipynb": [
        new_markdown_cell(
            "# 3 · Planning a route and publishing it\n\n"
            "A route spec is a TOML file (`data/routes/`). The planner picks which producers to visit and in which "
            "order, within opening hours and the day's window, and explains every producer it left out."),
        new_code_cell("from pathlib import Path\n"
                      "from ocop_geo import settings\n"
                      "from ocop_geo.spec import load_spec\n"
                      "spec_file = sorted((settings.data_dir / 'routes').glob('*.toml'))[0]\n"
                      "print(spec_file.read_text(encoding='utf-8'))"),
        new_code_cell("from ocop_geo.network import load_network\n"
                      "from ocop_geo.planner import plan_route\n"
                      "from ocop_geo.registry import load_bundled_registry\n"
                      "spec = load_spec(spec_file)\n"
                      "itinerary = plan_route(spec, load_bundled_registry(), graph=load_network(mode=spec.mode))\n"
                      "import pandas as pd\n"
                      "from ocop_geo.itinerary import itinerary_rows\n"
                      "pd.DataFrame(itinerary_rows(itinerary))"),
        new_code_cell("pd.DataFrame([n.to_dict() for n in itinerary.not_chosen])"),
        new_markdown_cell("Publish a small site (index, route page, producer pages) into a temporary folder:"),
        new_code_cell("import tempfile\n"
                      "from ocop_geo.site import publish_site\n"
                      "out = Path(tempfile.mkdtemp())\n"
                      "report = publish_site([itinerary], out)\n"
                      "sorted(p.name for p in out.iterdir())"),
    ],
}


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        nbformat.write(nb, ROOT / "notebooks" / name)
        print("wrote", name)


if __name__ == "__main__":
    main()
