// The grid cells (GeoJSON from GET /v1/cells) and case markers, drawn with
// Leaflet on a plain background: no internet tile server (city intranets).
// A tile URL template may be set in localStorage 'gridd.tiles' (off by
// default; the page's Content-Security-Policy allows images from this
// origin only, so it must be served through the same host).
import L from 'leaflet';
import { useEffect, useRef } from 'preact/hooks';
import { t } from './i18n.js';
import { ref, catName, cellName, cityTime } from './util.js';

export const STATE_COLOURS = {
  reported: '#7c3aed', registered: '#1d4ed8', dispatched: '#0e7490', in_progress: '#b45309',
  resolved: '#15803d', closed: '#4b5563', rejected: '#9ca3af', merged: '#9ca3af', cancelled: '#9ca3af',
};
const OVERDUE = '#dc2626';

function escapeHtml(s) {
  return String(s ?? '').replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' }[c]));
}

/**
 * cases: [{id, state, overdue, location, category, description, cell, due_at}];
 * selectedId highlights one; onSelect(id) on a marker click.
 */
export function CaseMap({ cases = [], selectedId, onSelect, height = 520, legend = true, label, zoomTo = null }) {
  const el = useRef(null);
  const map = useRef(null);
  const markers = useRef(null);
  const onSelectRef = useRef(onSelect);
  onSelectRef.current = onSelect;

  useEffect(() => {
    const m = L.map(el.current, { attributionControl: false, zoomSnap: 0.25, keyboard: true });
    const tiles = localStorage.getItem('gridd.tiles');
    if (tiles) L.tileLayer(tiles, { maxZoom: 20 }).addTo(m);
    const cells = L.geoJSON(ref.cells, {
      style: () => ({ color: '#475569', weight: 1, fillColor: '#e2e8f0', fillOpacity: 0.55 }),
      onEachFeature: (f, layer) => {
        const p = f.properties;
        layer.bindTooltip(`${escapeHtml(p.name)}<br><small>${escapeHtml(p.code)}</small>`, { sticky: true });
      },
    }).addTo(m);
    // Cell numbers (the last digits of the code) once zoomed in far enough to read them.
    const labels = L.layerGroup();
    for (const f of ref.cells?.features ?? []) {
      const lb = L.geoJSON(f).getBounds();
      if (!lb.isValid()) continue;
      L.marker(lb.getCenter(), {
        interactive: false, keyboard: false,
        icon: L.divIcon({ className: 'cell-label', html: escapeHtml(f.properties.code.slice(-3)), iconSize: [36, 16] }),
      }).addTo(labels);
    }
    const showLabels = () => { if (m.getZoom() >= 16) labels.addTo(m); else labels.remove(); };
    m.on('zoomend', showLabels);
    const b = cells.getBounds();
    let touched = false;
    const fit = () => {
      if (touched) return;
      if (zoomTo) m.setView([zoomTo[1], zoomTo[0]], 17);
      else if (b.isValid()) m.fitBounds(b, { padding: [12, 12] });
      else m.setView([39.91, 116.4], 15);
    };
    fit();
    showLabels();
    const touch = () => { touched = true; };
    el.current.addEventListener('pointerdown', touch);
    el.current.addEventListener('wheel', touch, { passive: true });
    el.current.addEventListener('keydown', touch);
    // The container may get its size after the map is made (panes, dialogs): refit then.
    const ro = new ResizeObserver(() => { m.invalidateSize(); fit(); });
    ro.observe(el.current);
    m.on('unload', () => ro.disconnect());
    markers.current = L.layerGroup().addTo(m);
    if (legend) {
      const ctl = L.control({ position: 'bottomright' });
      ctl.onAdd = () => {
        const div = L.DomUtil.create('div', 'map-legend');
        const rows = ['reported', 'registered', 'dispatched', 'in_progress', 'resolved', 'closed']
          .map((s) => `<div><i style="background:${STATE_COLOURS[s]}"></i>${escapeHtml(t('state.' + s))}</div>`);
        rows.push(`<div><i class="ring" style="border-color:${OVERDUE}"></i>${escapeHtml(t('overdue'))}</div>`);
        div.innerHTML = rows.join('');
        return div;
      };
      ctl.addTo(m);
    }
    map.current = m;
    return () => { m.remove(); map.current = null; };
  }, []);

  useEffect(() => {
    const group = markers.current;
    if (!group) return;
    group.clearLayers();
    for (const c of cases) {
      const [lon, lat] = c.location?.coordinates ?? [];
      if (lon == null) continue;
      const selected = c.id === selectedId;
      const mk = L.circleMarker([lat, lon], {
        radius: selected ? 10 : 7,
        color: c.overdue ? OVERDUE : selected ? '#111827' : '#ffffff',
        weight: c.overdue ? 4 : selected ? 3 : 2,
        fillColor: STATE_COLOURS[c.state] ?? '#6b7280',
        fillOpacity: 0.95,
      });
      const cell = typeof c.cell === 'string' ? c.cell : c.cell?.code;
      mk.bindTooltip(`#${c.id} ${escapeHtml(catName(c.category))}<br>${escapeHtml(t('state.' + c.state))}`
        + `${c.overdue ? ` · <b>${escapeHtml(t('overdue'))}</b>` : ''}<br><small>${escapeHtml(cellName(cell))}`
        + `${c.due_at ? ` · ${escapeHtml(t('dueAt'))} ${escapeHtml(cityTime(c.due_at))}` : ''}</small>`);
      mk.on('click', () => onSelectRef.current?.(c.id));
      mk.addTo(group);
      if (selected) mk.bringToFront();
    }
  }, [cases, selectedId]);

  useEffect(() => {
    const c = cases.find((x) => x.id === selectedId);
    const [lon, lat] = c?.location?.coordinates ?? [];
    if (map.current && lon != null) map.current.panTo([lat, lon]);
  }, [selectedId]);

  return <div ref={el} class="map" style={{ height: `${height}px` }} role="region" aria-label={label ?? t('nav.map')} data-testid="case-map" />;
}
