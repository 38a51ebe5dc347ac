"""The small HTML control page `GET /_sim/` (buttons for the control API)."""

from html import escape

from aiohttp import web

from simulator.models import Device
from simulator.state import get_state

_SCRIPT = """
async function sim(path, body) {
  const response = await fetch(path, {method: "POST",
    headers: {"Content-Type": "application/json"}, body: JSON.stringify(body || {})});
  const text = await response.text();
  document.getElementById("out").textContent = response.status + " " + text;
  return text;
}
async function install(account) {
  const text = await sim("/_sim/accounts/" + account + "/install");
  const url = JSON.parse(text).account_link_url;
  if (url) { window.open(url, "_blank"); }
}
"""


def sensor_buttons(device: Device) -> list[str]:
    """Return the sensor events worth a button on a device (none for other kinds)."""
    features = device.sensor_features()
    pairs = {
        "contact_detection": ("contact_sensor_faulted", "contact_sensor_cleared"),
        "flood_detection": ("flood_detected", "flood_cleared"),
        "freeze_detection": ("freeze_detected", "freeze_cleared"),
        "tamper_detection": ("tamper_detected", "tamper_cleared"),
        "temperature": ("temperature_exceeded", "temperature_cleared"),
        "humidity": ("humidity_exceeded", "humidity_cleared"),
        "pm25": ("pm25_exceeded", "pm25_cleared"),
    }
    return [event for feature in features for event in pairs.get(feature, ())]


def _button(label: str, path: str, body: str = "{}") -> str:
    """Return a button that POSTs to a control path."""
    return f"<button onclick='sim({escape(repr(path))}, {escape(body)})'>{escape(label)}</button>"


async def page(request: web.Request) -> web.Response:
    """Render the control page."""
    state = get_state(request)
    rows = []
    for account in state.accounts.values():
        status = "Playground" if account.playground else account.integration_status
        buttons = ""
        if not account.playground:
            uninstall = f"/_sim/accounts/{account.id}/uninstall"
            buttons = (
                f"<button onclick='install({escape(repr(account.id))})'>Install app</button> "
                + _button("Uninstall app", uninstall)
            )
        rows.append(
            f"<h2>{escape(account.first_name)} {escape(account.last_name)} "
            f"<small>({escape(status)})</small></h2><p>{buttons}</p><ul>"
        )
        for device in state.devices.values():
            if device.account_id != account.id:
                continue
            base = f"/_sim/devices/{device.id}"
            actions = []
            if device.has_video:
                actions += [
                    _button("Motion person", f"{base}/motion", '{"subtype": "human"}'),
                    _button(
                        "Motion vehicle", f"{base}/motion", '{"subtype": "vehicle"}'
                    ),
                    _button("Motion", f"{base}/motion", '{"subtype": "motion"}'),
                ]
            if device.is_doorbell:
                actions.append(_button("Ring doorbell", f"{base}/ding"))
            actions += [
                _button(
                    event.replace("_", " "), f"{base}/sensor", f'{{"event": "{event}"}}'
                )
                for event in sensor_buttons(device)
            ]
            actions += [
                _button("Online", f"{base}/online"),
                _button("Offline", f"{base}/offline"),
                _button("Remove", f"{base}/remove"),
                _button("Add", f"{base}/add"),
            ]
            flags = f"{device.kind}, {'online' if device.online else 'offline'}"
            if device.removed:
                flags += ", removed"
            rows.append(
                f"<li><b>{escape(device.name)}</b> ({escape(flags)}) {' '.join(actions)}</li>"
            )
        rows.append("</ul>")
    tools = " ".join(
        [
            _button("Playground token", "/_sim/playground/token"),
            _button("Expire access tokens", "/_sim/tokens/expire"),
        ]
    )
    html = (
        "<!doctype html><html><head><meta charset='utf-8'><title>Ring simulator</title>"
        f"<script>{_SCRIPT}</script></head><body style='font-family:sans-serif'>"
        f"<h1>Ring simulator</h1><p>API {escape(state.base_url)} · media "
        f"{escape(state.media_url)} · <a href='/_sim/state'>state</a> · "
        "<a href='/_sim/webhooks'>webhooks</a> · <a href='/_sim/requests'>requests</a> · "
        "<a href='/_sim/chime/plays'>chime plays</a></p>"
        f"{''.join(rows)}<p>{tools}</p><pre id='out'></pre></body></html>"
    )
    return web.Response(text=html, content_type="text/html")


async def redirect(request: web.Request) -> web.Response:
    """Redirect `/_sim` to `/_sim/`."""
    raise web.HTTPFound("/_sim/")
