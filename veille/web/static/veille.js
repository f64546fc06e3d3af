// Veille's only script: ticking every mention of the page at once, and sending the
// brand picker's form as soon as another brand is chosen. Everything works without it.
document.addEventListener("change", (event) => {
  const box = event.target;
  if (box.matches("[data-select-all]")) {
    const name = box.getAttribute("data-select-all");
    for (const other of box.form.querySelectorAll(`input[type=checkbox][name="${name}"]`)) {
      other.checked = box.checked;
    }
  } else if (box.matches("[data-autosubmit]")) {
    box.form.submit();
  }
});
