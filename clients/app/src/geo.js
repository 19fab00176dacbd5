// Small geometry helpers on WGS-84 [lon, lat] GeoJSON, for the phone to tell
// which grid cell a point is in without the network.

function inRing(pt, ring) {
  const [x, y] = pt;
  let inside = false;
  for (let i = 0, j = ring.length - 1; i < ring.length; j = i++) {
    const [xi, yi] = ring[i];
    const [xj, yj] = ring[j];
    if ((yi > y) !== (yj > y) && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function inPolygon(pt, rings) {
  if (!rings.length || !inRing(pt, rings[0])) return false;
  for (let k = 1; k < rings.length; k++) if (inRing(pt, rings[k])) return false;
  return true;
}

export function inGeometry(pt, geometry) {
  if (!geometry) return false;
  if (geometry.type === 'Polygon') return inPolygon(pt, geometry.coordinates);
  if (geometry.type === 'MultiPolygon') return geometry.coordinates.some((p) => inPolygon(pt, p));
  return false;
}

/** The feature of a FeatureCollection holding the point; on a shared border the lowest code (as gridd). */
export function locate(collection, pt) {
  const hits = (collection?.features ?? []).filter((f) => inGeometry(pt, f.geometry));
  hits.sort((a, b) => String(a.properties?.code ?? a.id).localeCompare(String(b.properties?.code ?? b.id)));
  return hits[0] ?? null;
}

/** Great-circle distance in metres. */
export function distance([lon1, lat1], [lon2, lat2]) {
  const r = (d) => (d * Math.PI) / 180;
  const a = Math.sin(r(lat2 - lat1) / 2) ** 2 + Math.cos(r(lat1)) * Math.cos(r(lat2)) * Math.sin(r(lon2 - lon1) / 2) ** 2;
  return 2 * 6371008.8 * Math.asin(Math.sqrt(a));
}

export const round7 = (v) => Math.round(v * 1e7) / 1e7;
