// The demo's only page script (a file, so strict Content-Security-Policy holds): "ship to the billing
// address" turns the shipping fieldset off; a disabled fieldset is neither shown, checked nor sent.
document.addEventListener('change', function (event) {
  var box = event.target;
  if (!box.matches || !box.matches('input[name="billShipSame"]')) return;
  var shipping = document.getElementById('shipping');
  if (shipping) shipping.disabled = box.checked;
});
