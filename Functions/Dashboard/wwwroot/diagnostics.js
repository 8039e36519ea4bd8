// The self-check banner for admins. The page has no sign-in of its own for admin endpoints: an operator enters the admin
// key (Relay:AdminKey), which stays in sessionStorage for this tab only and goes to GET /api/diagnostics in the
// X-Dashboard-Admin-Key header. Checks that are not ok show as a banner: name, what was found, and the fix.

const STORAGE_KEY = "functionsdashboard.adminKey";

export function adminKey() {
  return sessionStorage.getItem(STORAGE_KEY);
}

export function setAdminKey(key) {
  if (key) sessionStorage.setItem(STORAGE_KEY, key);
  else sessionStorage.removeItem(STORAGE_KEY);
}

/** Runs the self-check: `{ report }`, `{ refused }` (401/403: the key is wrong or admin endpoints are off) or `{ error }`. */
export async function runSelfCheck(apiBase) {
  const key = adminKey();
  if (!key) return { skipped: true };
  try {
    const response = await fetch(`${apiBase}/diagnostics`, { headers: { accept: "application/json", "X-Dashboard-Admin-Key": key }, credentials: "same-origin" });
    if (response.status === 401 || response.status === 403) {
      const problem = await response.json().catch(() => ({}));
      return { refused: problem.detail ?? `refused (${response.status})` };
    }
    if (!response.ok) return { error: `diagnostics answered ${response.status}` };
    return { report: await response.json() };
  } catch (error) {
    return { error: String(error?.message ?? error) };
  }
}

/** Shows the checks that are not ok in `banner` (hidden when all are ok or the caller is not an admin). */
export function renderBanner(banner, result) {
  banner.replaceChildren();
  const problems = result.report?.checks?.filter((c) => c.status !== "ok") ?? [];
  const message = result.refused ? `Self-check refused: ${result.refused}` : result.error ? `Self-check unavailable: ${result.error}` : null;
  if (problems.length === 0 && !message) {
    banner.hidden = true;
    banner.dataset.status = result.report ? "ok" : "none";
    return;
  }
  banner.hidden = false;
  banner.dataset.status = problems.some((c) => c.status === "fail") ? "fail" : "warn";
  if (message) {
    const line = document.createElement("p");
    line.textContent = message;
    banner.append(line);
  }
  for (const check of problems) {
    const item = document.createElement("p");
    item.className = `check ${check.status}`;
    item.dataset.check = check.name;
    const title = document.createElement("strong");
    title.textContent = `${check.status.toUpperCase()} ${check.name}: `;
    item.append(title, document.createTextNode(check.detail));
    if (check.hint) {
      const hint = document.createElement("small");
      hint.textContent = `Fix: ${check.hint}`;
      item.append(document.createElement("br"), hint);
    }
    banner.append(item);
  }
}
