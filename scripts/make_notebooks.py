"""Write the tutorial notebooks in notebooks/ (run again after changing a cell here).

The notebooks only call the public API (``import ocop_geo as og``); the test suite executes them (tests/test_notebooks.py) so they never rot.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

ROOT = Path(__file__).resolve().parent.parent

NOTEBOOKS = {
    "01_the_whole_journey.ipynb": [
        new_markdown_cell(
            "# 1 · The whole journey in ten lines\n\n"
            "From the OCOP registry to a planned motorbike day, its GeoDataFrames, a map, a GPS file and the "
            "route site: only the public API (`import ocop_geo as og`), on the bundled data, offline."),
        new_code_cell(
            "import tempfile\n"
            "from pathlib import Path\n"
            "import ocop_geo as og\n"
            "out = Path(tempfile.mkdtemp())\n"
            "\n"
            "registry = og.load_bundled_registry()              # or og.load_registry('ds_ocop.xlsx')\n"
            "G = og.load_network(mode='motorbike')               # cached after the first build\n"
            "spec = og.RouteSpec.build(id='cu-chi-day', title_vi='Một ngày ở Củ Chi', title_en='A day in Cu Chi',\n"
            "                          mode='motorbike', start='Chợ Bến Thành', days=['2026-12-05'],\n"
            "                          districts=['Củ Chi', 'Hóc Môn'], lunch={'window': ['11:00', '13:00']})\n"
            "itinerary = og.plan_route(spec, registry, graph=G)\n"
            "stops, legs = itinerary.to_geodataframes()          # GeoDataFrames, EPSG:4326\n"
            "og.route_map(itinerary).save(out / 'route.html')   # folium, on the roads\n"
            "og.write_export(itinerary, out / 'route.gpx', fmt='gpx')\n"
            "report = og.publish_site([itinerary], out / 'site', registry=registry)"),
        new_markdown_cell("The stops, in visiting order, and the road legs between them:"),
        new_code_cell("stops[['day', 'seq', 'kind', 'name', 'arrival', 'start', 'end', 'stars', 'products']]"),
        new_code_cell("legs[['to_name', 'travel_min', 'distance_km', 'off_network']].round(1)"),
        new_markdown_cell("They go straight into a GeoPackage that QGIS opens (one layer each):"),
        new_code_cell("stops.to_file(out / 'route.gpkg', layer='stops')\n"
                      "legs.to_file(out / 'route.gpkg', layer='legs')\n"
                      "sorted(p.name for p in out.iterdir())"),
        new_markdown_cell("Every producer the route left out, and why:"),
        new_code_cell("import pandas as pd\n"
                      "pd.DataFrame([n.to_dict() for n in itinerary.not_chosen]).head(10)"),
    ],
    "02_registry_and_geocoding.ipynb": [
        new_markdown_cell(
            "# 2 · The OCOP registry and offline geocoding\n\n"
            "Read the bundled registry (the OCOP products and producers that the news names), see what it holds, "
            "what a raw file with problems looks like, and how producers are placed on the map without internet."),
        new_code_cell(
            "import pandas as pd\n"
            "import ocop_geo as og\n"
            "registry = og.load_bundled_registry()\n"
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
        new_code_cell("raw = og.load_registry(og.settings.data_dir / 'ocop' / 'hcmc_ocop_products.csv', geocode=False)\n"
                      "print(len(raw.products), 'accepted,', len(raw.rejected), 'rejected of', raw.n_input_rows)\n"
                      "for problem in raw.problems[:5]:\n    print(problem)"),
        new_markdown_cell("## Geocoding Vietnamese addresses offline"),
        new_code_cell(
            "addresses = pd.DataFrame({'address': [\n"
            "    'Ấp 3, xã Trung An, huyện Củ Chi, TP.HCM',\n"
            "    '123 Nguyễn Trãi, P.2, Q.5',\n"
            "    'Trung An, Cu Chi',\n"
            "    'Phường 2',            # ambiguous: many districts have a Phường 2\n"
            "    'Phường Sài Gòn, TP.HCM',  # a 2025 ward name\n"
            "]})\n"
            "og.geocode_frame(addresses)[['lat', 'lon', 'precision', 'confidence', 'ward', 'district', 'unit_2025',\n"
            "                             'geocode_note']]"),
        new_markdown_cell("And back: which ward (old and 2025) is a point in?"),
        new_code_cell("og.reverse_geocode(registry.producers.geometry.dropna().head(3))"),
        new_code_cell("m = og.producer_map(registry.producers, products=registry.products)\n"
                      "type(m).__name__"),
    ],
    "03_networks_and_travel_times.ipynb": [
        new_markdown_cell(
            "# 3 · Road networks and travel times\n\n"
            "Build the motorbike network of HCMC from the bundled 2018 OSM extract plus the supplementary road "
            "layer (cached after the first build), then compute travel times between producers on arrays."),
        new_code_cell("import ocop_geo as og\n"
                      "from ocop_geo.network import graph_summary\n"
                      "G = og.load_network(mode='motorbike')\n"
                      "graph_summary(G)"),
        new_markdown_cell("The bundled OSM extract covers Ho Chi Minh City before 7/2025: producers of the former "
                          "Bình Dương and Bà Rịa–Vũng Tàu (no pre-2025 district) lie outside its road data, and a "
                          "matrix over them says so (`NetworkError`). Here: the placed producers of old HCMC."),
        new_code_cell("producers = og.load_bundled_registry().producers\n"
                      "old_hcmc = producers['district'].fillna('') != ''\n"
                      "placed = producers[producers.geometry.notna() & old_hcmc].set_index('producer_id')\n"
                      "times = og.travel_time_matrix(G, placed.geometry)\n"
                      "(times / 60).round(0).iloc[:6, :6]"),
        new_markdown_cell("One leg with its road geometry, as the maps draw it:"),
        new_code_cell("a, b = placed.geometry.iloc[0], placed.geometry.iloc[1]\n"
                      "leg = og.route_between(G, a, b)\n"
                      "round(leg.travel_s / 60), round(leg.distance_m / 1000, 1), leg.off_network, leg.note"),
        new_markdown_cell("A coach uses fewer roads than a motorbike (no alleys, no residential streets):"),
        new_code_cell("coach = og.load_network(mode='coach')\n"
                      "graph_summary(coach)['edges'], graph_summary(G)['edges']"),
    ],
    "04_planning_and_publishing.ipynb": [
        new_markdown_cell(
            "# 4 · Planning a route from a spec file and publishing it\n\n"
            "The department keeps its routes as TOML files (`data/routes/`). The planner picks which producers to "
            "visit and in which order, within opening hours and the day's window, and explains every producer it "
            "left out."),
        new_code_cell("import ocop_geo as og\n"
                      "spec_file = sorted((og.settings.data_dir / 'routes').glob('*.toml'))[0]\n"
                      "print(spec_file.read_text(encoding='utf-8'))"),
        new_code_cell("registry = og.load_bundled_registry()\n"
                      "spec = og.load_spec(spec_file)\n"
                      "itinerary = og.plan_route(spec, registry, graph=og.load_network(mode=spec.mode))\n"
                      "stops, legs = itinerary.to_geodataframes()\n"
                      "stops[['day', 'seq', 'kind', 'name', 'arrival', 'start', 'end']]"),
        new_code_cell("import pandas as pd\n"
                      "pd.DataFrame([n.to_dict() for n in itinerary.not_chosen])"),
        new_markdown_cell("Publish a small site (index, route page, producer pages) into a temporary folder:"),
        new_code_cell("import tempfile\n"
                      "from pathlib import Path\n"
                      "out = Path(tempfile.mkdtemp())\n"
                      "report = og.publish_site([itinerary], out, registry=registry)\n"
                      "sorted(p.name for p in out.iterdir())"),
    ],
}


def main() -> None:
    for stale in sorted((ROOT / "notebooks").glob("*.ipynb")):
        if stale.name not in NOTEBOOKS:
            stale.unlink()
            print("removed", stale.name)
    for name, cells in NOTEBOOKS.items():
        nb = new_notebook(cells=cells, metadata={
            "kernelspec": {"name": "python3", "display_name": "Python 3", "language": "python"},
            "language_info": {"name": "python"}})
        for i, cell in enumerate(nb.cells):  # stable ids: regenerating changes only what changed
            cell.id = f"{name[:2]}-{i:02d}"
        nbformat.write(nb, ROOT / "notebooks" / name)
        print("wrote", name)


if __name__ == "__main__":
    main()
