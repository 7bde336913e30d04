/* Two-phase signing: hand the hash to the local signing agent (a program on the
   signer's computer that talks to the USB token) and post its value back.
   Agent protocol: POST {hash_b64, certificate_sha256} -> {signature_b64}.
   Without an agent the person pastes the value returned by their service. */
(function () {
  "use strict";
  var card = document.querySelector(".two-phase");
  if (!card || !window.fetch) { return; }
  var button = document.getElementById("agent-sign");
  var status = document.getElementById("agent-status");
  var form = document.getElementById("two-phase-form");
  var field = document.getElementById("signature-b64");

  function ask() {
    status.textContent = status.dataset.working;
    return fetch(card.dataset.agentUrl, {
      method: "POST",
      mode: "cors",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        hash_b64: card.dataset.hashB64,
        certificate_sha256: card.dataset.certificateSha256
      })
    }).then(function (response) {
      if (!response.ok) { throw new Error("HTTP " + response.status); }
      return response.json();
    }).then(function (answer) {
      if (!answer || !answer.signature_b64) { throw new Error("no signature_b64"); }
      field.value = answer.signature_b64;
      form.submit();
    });
  }

  button.hidden = false;
  button.addEventListener("click", function () {
    button.disabled = true;
    ask().catch(function (error) {
      status.textContent = status.dataset.failed + " " + error.message;
      button.disabled = false;
    });
  });
  // Try once on arrival; a missing agent only leaves the paste field.
  if (!field.value) {
    ask().catch(function () { status.textContent = status.dataset.missing; });
  }
})();
