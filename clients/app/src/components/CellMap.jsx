// The grid cells on a Leaflet map without any tile server (city intranets,
// offline): cell polygons from GET /v1/cells drawn on a plain background,
// the worker's own cells highlighted and labelled; optional markers (tasks)
// and a draggable pin with its accuracy circle (new report).
import { useEffect, useRef } from 'preact/hooks';
import * as L from 'leaflet';
import 'leaflet/dist/leaflet.css';

const MINE = { color: '#1d4ed8', weight: 2, fillColor: '#3b82f6', fillOpacity: 0.16 };
const OTHER = { color: '#64748b', weight: 1, fillColor: '#cbd5e1', fillOpacity: 0.12, dashArray: '3 3' };

// Touch targets of 44 px around smaller drawings.
const pinIcon = L.divIcon({ className: 'map-pin', html: '<span></span>', iconSize: [44, 48], iconAnchor: [22, 46] });
const taskIcon = L.divIcon({ className: 'map-task', html: '<span></span>', iconSize: [44, 44], iconAnchor: [22, 22] });

export function CellMap({ cells, mine = [], markers = [], pin = null, accuracy = null, onPin = null, label, height = 240, focus = 'mine', testId }) {
  const el = useRef(null);
  const map = useRef(null);
  const layers = useRef({});
  const onPinRef = useRef(onPin);
  onPinRef.current = onPin;

  useEffect(() => {
    // No animations: nothing to fade in without tiles, and a zoom animation
    // still running when the screen changes would outlive the map.
    const m = L.map(el.current, {
      attributionControl: false,
      zoomControl: true,
      zoomSnap: 0.25,
      minZoom: 12,
      maxZoom: 21,
      zoomAnimation: false,
      fadeAnimation: false,
      markerZoomAnimation: false,
    });
    m.setView([39.9105, 116.4015], 16, { animate: false });
    map.current = m;
    m.on('click', (e) => {
      if (onPinRef.current) onPinRef.current([e.latlng.lng, e.latlng.lat]);
    });
    const ro = typeof ResizeObserver !== 'undefined' ? new ResizeObserver(() => { if (map.current) m.invalidateSize({ animate: false }); }) : null;
    ro?.observe(el.current);
    return () => { ro?.disconnect(); map.current = null; m.stop(); m.remove(); };
  }, []);

  // Cells
  const mineKey = mine.join(',');
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.cells?.remove();
    if (!cells?.features?.length) return;
    const mineSet = new Set(mine);
    const layer = L.geoJSON(cells, {
      style: (f) => (mineSet.has(f.properties?.code ?? f.id) ? MINE : OTHER),
      onEachFeature: (f, l) => {
        const code = f.properties?.code ?? f.id;
        const name = f.properties?.name ?? code;
        if (mineSet.has(code)) l.bindTooltip(name.replace(/^.*社区/, ''), { permanent: true, direction: 'center', className: 'cell-label' });
        else l.bindTooltip(name, { sticky: true });
      },
    }).addTo(m);
    layers.current.cells = layer;
    const own = L.featureGroup(layer.getLayers().filter((l) => mineSet.has(l.feature.properties?.code ?? l.feature.id)));
    const bounds = focus === 'mine' && own.getLayers().length ? own.getBounds() : layer.getBounds();
    if (!pin && bounds.isValid()) m.fitBounds(bounds, { padding: [16, 16], animate: false });
  }, [cells, mineKey]);

  // Task markers
  const markersKey = JSON.stringify(markers.map((x) => [x.id, x.coordinates]));
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.markers?.remove();
    const group = L.layerGroup(markers.map((x) => {
      const mk = L.marker([x.coordinates[1], x.coordinates[0]], { icon: taskIcon, title: x.title, alt: x.title, keyboard: true });
      if (x.onClick) mk.on('click', x.onClick);
      return mk;
    })).addTo(m);
    layers.current.markers = group;
  }, [markersKey]);

  // The pin
  const pinKey = pin ? `${pin[0]},${pin[1]}` : '';
  useEffect(() => {
    const m = map.current;
    if (!m) return;
    if (!pin) {
      layers.current.pin?.remove(); layers.current.pin = null;
      layers.current.circle?.remove(); layers.current.circle = null;
      return;
    }
    const ll = [pin[1], pin[0]];
    if (!layers.current.pin) {
      const mk = L.marker(ll, { icon: pinIcon, draggable: !!onPinRef.current, autoPan: true, keyboard: true, title: label, alt: label }).addTo(m);
      mk.on('dragend', () => {
        const p = mk.getLatLng();
        onPinRef.current?.([p.lng, p.lat]);
      });
      layers.current.pin = mk;
      m.setView(ll, Math.max(m.getZoom(), 18), { animate: false });
    } else {
      layers.current.pin.setLatLng(ll);
      if (!m.getBounds().pad(-0.1).contains(ll)) m.panTo(ll, { animate: false });
    }
  }, [pinKey]);

  useEffect(() => {
    const m = map.current;
    if (!m) return;
    layers.current.circle?.remove();
    layers.current.circle = null;
    if (pin && accuracy) {
      layers.current.circle = L.circle([pin[1], pin[0]], { radius: accuracy, color: '#f59e0b', weight: 1, fillOpacity: 0.12, interactive: false }).addTo(m);
    }
  }, [pinKey, accuracy]);

  return <div ref={el} class="cell-map" style={{ height: `${height}px` }} role="region" aria-label={label} data-testid={testId} />;
}
