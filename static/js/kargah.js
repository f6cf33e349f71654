/* Kargah's only script on most pages: opens and closes [data-bs-toggle="collapse"] targets
   (the navbar menu, the catalog filter) with Bootstrap's classes, in place of its 80 KB bundle. */
document.addEventListener("click", function (event) {
  var toggle = event.target.closest('[data-bs-toggle="collapse"]');
  if (!toggle) return;
  var target = document.querySelector(toggle.getAttribute("data-bs-target") || toggle.getAttribute("href"));
  if (!target) return;
  event.preventDefault();
  var open = target.classList.toggle("show");
  toggle.classList.toggle("collapsed", !open);
  toggle.setAttribute("aria-expanded", open ? "true" : "false");
});
