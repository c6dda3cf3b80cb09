// Sign-in: keep the pasted token for this tab and go to the page for its role.
import { api, say, setToken } from "/static/api.js";

const HOME = { customer: "/chat", support_agent: "/assist", admin: "/docs" };

document.getElementById("sign-in").addEventListener("submit", async (event) => {
  event.preventDefault();
  setToken(document.getElementById("token").value.trim());
  try {
    const me = await api("/api/me");
    location.href = HOME[me.role];
  } catch (error) {
    say(error.message, true);
  }
});
