/**
 * Injects the pixel HTML an Import Click answers with (affiliate and fraud-device pixels), once per
 * page, as Konnektive's own form code does: images and iframes load from the HTML; each <script> is
 * made again as a new element with its attributes and text, since HTML insertion never runs scripts.
 */
export function injectPixel(doc, html) {
    if (typeof html !== 'string' || !html.trim() || doc.querySelector('[data-kf-pixel]'))
        return;
    const box = doc.createElement('div');
    box.setAttribute('data-kf-pixel', '');
    box.innerHTML = html;
    for (const inert of box.querySelectorAll('script')) {
        const script = doc.createElement('script');
        for (const { name, value } of inert.attributes)
            script.setAttribute(name, value);
        script.text = inert.text;
        inert.replaceWith(script);
    }
    doc.body.append(box);
}
