// posterBlob paints an org's shareable poster (V4) on a canvas: its logo or
// badge, name, figures, a short intro and the QR code of its public page,
// for people to save and pass on. Everything is drawn here, so the image
// holds no outside resource and the page's CSP has nothing to allow.
import { encode } from "uqr";
import type { PublicOrg } from "@yima/api";
import { badgeColour, badgeText, foundedText, orgHours } from "./orgs";

const W = 750;
const H = 1200;
const FONT = '"PingFang SC", "Hiragino Sans GB", "Microsoft YaHei", "Noto Sans CJK SC", sans-serif';

/** loadImage loads a same-origin image; undefined when it does not load. */
function loadImage(src: string): Promise<HTMLImageElement | undefined> {
  if (!src) return Promise.resolve(undefined);
  return new Promise((resolve) => {
    const img = new Image();
    img.onload = () => resolve(img);
    img.onerror = () => resolve(undefined);
    img.src = src;
  });
}

/** lines breaks text to fit width, character by character (Chinese has no spaces), at most max lines. */
function lines(ctx: CanvasRenderingContext2D, text: string, width: number, max: number): string[] {
  const out: string[] = [];
  let cur = "";
  for (const ch of text.replace(/\s+/g, " ").trim()) {
    if (ctx.measureText(cur + ch).width > width && cur) {
      out.push(cur);
      cur = "";
      if (out.length === max) break;
    }
    cur += ch;
  }
  if (out.length < max && cur) out.push(cur);
  else if (out.length === max && cur) out[max - 1] = `${out[max - 1]!.slice(0, -1)}…`;
  return out;
}

function centred(ctx: CanvasRenderingContext2D, text: string, y: number) {
  ctx.fillText(text, W / 2, y);
}

/**
 * drawPoster returns the poster of org as a canvas; url is what its QR
 * code opens, logo the org's logo URL ("" for the badge).
 */
async function drawPoster(org: PublicOrg, url: string, logo: string): Promise<HTMLCanvasElement> {
  const c = document.createElement("canvas");
  c.width = W;
  c.height = H;
  const ctx = c.getContext("2d");
  if (!ctx) throw new Error("canvas 2d is not available");
  ctx.textAlign = "center";
  ctx.textBaseline = "middle";

  // A blue head over a light page, and a white card.
  const head = ctx.createLinearGradient(0, 0, W, 420);
  head.addColorStop(0, "#2f7bff");
  head.addColorStop(1, "#1452d6");
  ctx.fillStyle = "#f3f5f9";
  ctx.fillRect(0, 0, W, H);
  ctx.fillStyle = head;
  ctx.fillRect(0, 0, W, 420);
  ctx.fillStyle = "#fff";
  ctx.beginPath();
  ctx.roundRect(40, 200, W - 80, H - 260, 28);
  ctx.fill();

  ctx.fillStyle = "rgba(255,255,255,0.92)";
  ctx.font = `500 30px ${FONT}`;
  centred(ctx, "一码做志愿 · 邀您加入", 90);

  // Logo or badge in a white ring on the card's edge.
  const cx = W / 2;
  const cy = 200;
  const r = 80;
  ctx.fillStyle = "#fff";
  ctx.beginPath();
  ctx.arc(cx, cy, r + 8, 0, Math.PI * 2);
  ctx.fill();
  const img = await loadImage(logo);
  ctx.save();
  ctx.beginPath();
  ctx.arc(cx, cy, r, 0, Math.PI * 2);
  ctx.clip();
  if (img) {
    ctx.drawImage(img, cx - r, cy - r, r * 2, r * 2);
  } else {
    ctx.fillStyle = badgeColour(org.id);
    ctx.fillRect(cx - r, cy - r, r * 2, r * 2);
    ctx.fillStyle = "#fff";
    ctx.font = `600 52px ${FONT}`;
    ctx.fillText(badgeText(org.name), cx, cy + 2);
  }
  ctx.restore();

  // Name, place in the tree and figures.
  ctx.fillStyle = "#1f2329";
  ctx.font = `600 40px ${FONT}`;
  let y = 330;
  for (const l of lines(ctx, org.name, W - 160, 2)) {
    centred(ctx, l, y);
    y += 54;
  }
  ctx.fillStyle = "#8a919f";
  ctx.font = `26px ${FONT}`;
  const sub = [org.parentName, foundedText(org)].filter(Boolean).join(" · ");
  if (sub) {
    centred(ctx, sub, y);
    y += 44;
  }
  ctx.fillStyle = "#1f6bff";
  ctx.font = `500 28px ${FONT}`;
  centred(ctx, `成员 ${org.memberCount} · 项目 ${org.projectCount} · 服务 ${orgHours(org)} 小时`, y + 6);
  y += 60;

  // A short intro.
  if (org.intro) {
    ctx.fillStyle = "#4e5969";
    ctx.font = `26px ${FONT}`;
    for (const l of lines(ctx, org.intro, W - 180, 4)) {
      centred(ctx, l, y);
      y += 40;
    }
  }

  // The QR code of the org's page, with its quiet zone.
  const size = 340;
  const qy = H - 120 - size;
  const qr = encode(url, { ecc: "M", border: 4 });
  const cell = Math.floor(size / qr.size);
  const side = cell * qr.size;
  const qx = Math.round((W - side) / 2);
  ctx.fillStyle = "#fff";
  ctx.fillRect(qx, qy, side, side);
  ctx.fillStyle = "#000";
  qr.data.forEach((row, yy) =>
    row.forEach((dark, xx) => {
      if (dark) ctx.fillRect(qx + xx * cell, qy + yy * cell, cell, cell);
    }),
  );
  ctx.fillStyle = "#8a919f";
  ctx.font = `24px ${FONT}`;
  centred(ctx, "长按或扫码，查看组织并申请加入", qy + side + 40);
  ctx.font = `22px ${FONT}`;
  centred(ctx, "上海市志愿者服务平台", H - 30);
  return c;
}

/** posterBlob renders the poster as a PNG. */
export async function posterBlob(org: PublicOrg, url: string, logo: string): Promise<Blob> {
  const c = await drawPoster(org, url, logo);
  return new Promise((resolve, reject) =>
    c.toBlob((b) => (b ? resolve(b) : reject(new Error("the poster could not be encoded"))), "image/png"),
  );
}
