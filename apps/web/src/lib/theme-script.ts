/** Sets `data-theme` before the first paint: the stored choice, else the system's. */
export const themeScript = `(function(){try{var t=localStorage.getItem("wharf-theme");if(t!=="light"&&t!=="dark"){t=matchMedia("(prefers-color-scheme: dark)").matches?"dark":"light"}document.documentElement.dataset.theme=t}catch(e){}})()`;
