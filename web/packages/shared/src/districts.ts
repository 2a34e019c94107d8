// Shanghai's districts, which volunteers, orgs and projects are placed in.

/** LatLng is a WGS84 point. */
export interface LatLng {
  lat: number;
  lng: number;
}

/**
 * DISTRICTS are Shanghai's 16 districts (GB/T 2260) with the government
 * seat as the centre: the fallback position when the browser gives none.
 */
export const DISTRICTS: readonly { code: string; name: string; centre: LatLng }[] = [
  { code: "310101", name: "黄浦区", centre: { lat: 31.2304, lng: 121.4846 } },
  { code: "310104", name: "徐汇区", centre: { lat: 31.1886, lng: 121.4365 } },
  { code: "310105", name: "长宁区", centre: { lat: 31.2204, lng: 121.4246 } },
  { code: "310106", name: "静安区", centre: { lat: 31.2286, lng: 121.4469 } },
  { code: "310107", name: "普陀区", centre: { lat: 31.2496, lng: 121.3972 } },
  { code: "310109", name: "虹口区", centre: { lat: 31.266, lng: 121.5012 } },
  { code: "310110", name: "杨浦区", centre: { lat: 31.2595, lng: 121.526 } },
  { code: "310112", name: "闵行区", centre: { lat: 31.1128, lng: 121.3816 } },
  { code: "310113", name: "宝山区", centre: { lat: 31.4045, lng: 121.4893 } },
  { code: "310114", name: "嘉定区", centre: { lat: 31.3748, lng: 121.2655 } },
  { code: "310115", name: "浦东新区", centre: { lat: 31.2212, lng: 121.5447 } },
  { code: "310116", name: "金山区", centre: { lat: 30.742, lng: 121.3416 } },
  { code: "310117", name: "松江区", centre: { lat: 31.0322, lng: 121.2277 } },
  { code: "310118", name: "青浦区", centre: { lat: 31.151, lng: 121.1242 } },
  { code: "310120", name: "奉贤区", centre: { lat: 30.918, lng: 121.474 } },
  { code: "310151", name: "崇明区", centre: { lat: 31.6231, lng: 121.3974 } },
];

/** districtName names a district code, "" when unknown. */
export function districtName(code: string): string {
  return DISTRICTS.find((d) => d.code === code)?.name ?? "";
}
