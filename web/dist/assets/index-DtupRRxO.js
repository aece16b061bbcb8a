const __vite__mapDeps=(i,m=__vite__mapDeps,d=(m.f||(m.f=["assets/Quarantine-Cib1qp6S.js","assets/DecisionForm-sRqSwz6L.js","assets/ScanReport-D96ZafS3.js","assets/SubNav-Dp0X3g8H.js","assets/useLiveQuery-m68EvOUB.js","assets/admin-DYI8IWMW.js","assets/Reports-C4nxo68W.js","assets/Verifications-BQoMT8Po.js","assets/AuditLog-x6om1chW.js","assets/Storage-C3Cf2T7M.js","assets/MyPackages-BhsJsrgn.js","assets/NewPackage-W3cwAsD-.js","assets/PackageFields-CvxNg8kL.js","assets/ManagePackage-Ctnpvn_I.js","assets/Transfers-C6ACAzNE.js","assets/VersionStatusTag-BY33KCmy.js","assets/Publish-wj790JEJ.js","assets/Tokens-BgteXbox.js","assets/MyPublisher-DSoKU8tu.js"])))=>i.map(i=>d[i]);
var e,t,n,r,i,a,o,s,c,l,u,d=Symbol.for(`pv`),f={},p=[],m=/^m(i|n|o|s|text|space)$/,h=Array.isArray,g=p.slice,_=Object.assign;function v(e){e&&e.parentNode&&e.remove()}function y(e,t,n){var r,i,a,o={},s=arguments.length;for(a in t)a==`key`?r=t[a]:a==`ref`&&typeof e!=`function`?i=t[a]:o[a]=t[a];return s>2&&(o.children=s>3?g.call(arguments,2):n),x(e,o,r,i,null)}function b(e,t,n){var r,i,a,o=_({},e.props),s=arguments.length;for(a in t)a==`key`?r=t[a]:a==`ref`&&typeof e.type!=`function`?i=t[a]:o[a]=t[a];return s>2&&(o.children=s>3?g.call(arguments,2):n),x(e.type,o,r===void 0?e.key:r,i===void 0?e.ref:i,null)}function x(n,r,i,a,o){var s={type:n,props:r,key:i,ref:a,__k:null,__:null,__b:0,__e:null,__c:null,constructor:d,__v:o||++t,__i:-1,__u:0};return!o&&e.vnode&&e.vnode(s),s}function S(e){return e.children}function ee(e,t){this.props=e,this.context=t,this.__g=0}function C(e,t){if(t==null)return e.__&&C(e.__,e.__i+1);for(var n;t<e.__k.length;t++)if((n=e.__k[t])&&n.__e)return n.__e;return typeof e.type!=`function`||e.props.__P?null:C(e)}function w(t){var n,r=t.__v,i=r.__e,a=[],o=[],s=t.__P;s&&((n=_({constructor:d},r)).__v=r.__v+1,e.vnode&&e.vnode(n),k(s,n,r,t.__n,s.namespaceURI,32&r.__u?[i]:null,a,i||C(r),32&r.__u,o),n.__v=r.__v,n.__.__k[n.__i]=n,A(a,n,o),r.__=r.__e=null,n.__e!=i&&T(n))}function T(e){if((e=e.__)&&e.__c&&!e.props.__P)return e.__e=null,e.__k.some(function(t){return t&&(e.__e=t.__e)}),T(e)}function E(t){(8&t.__g||(t.__g|=8,n.push(t),i++))&&r==e.debounceRendering||((r=e.debounceRendering)||queueMicrotask)(te)}function te(){try{for(var e,t=1;n.length;)n.length>t&&n.sort(a),e=n.shift(),t=n.length,8&e.__g&&w(e)}finally{(i=n.length)&&(r||queueMicrotask)(te)}}function ne(e,t,n,r,i,a,o,s,c,l,u){var d,m,h,g,_,v,y=r.__k||p,b=t.length;for(c=re(n,t,y,c,b),d=0;d<b;d++)(h=n.__k[d])!=null&&(m=~h.__i&&y[h.__i]||f,h.__i=d,v=k(e,h,m,i,a,o,s,c,l,u),g=h.__e,(m.ref!=h.ref||8&m.__u)&&(m.ref&&de(m.ref,null,h,m),h.ref&&u.push(h.ref,h.__c||g,h)),_=_||g,4&h.__u?(c=ie(h,c,e,!m.__v),m.__e&&(m.__e=null)):typeof h.type==`function`&&v!==void 0?c=v:g&&(c=g.nextSibling),h.__u&=-21);return n.__e=_,c}function re(e,t,n,r,i){var a,o,s,c,l,u,f,p,m,g=n.length,_=g,v=0,y=0,b=e.__k=Array(i);for(a=0;a<i;a++)(o=t[a])!=null&&typeof o!=`boolean`&&typeof o!=`function`?(typeof o!=`object`||o.constructor===String?o=b[a]=x(null,o):h(o)?o=b[a]=x(S,{children:o}):o.constructor===d&&o.__b?o=b[a]=x(o.type,o.props,o.key,o.ref,o.__v):b[a]=o,c=a+v,o.__=e,o.__b=e.__b+1,s=null,~(l=o.__i=oe(o,n,c,_))&&(_--,(s=n[l])&&(s.__u|=2)),s&&s.__v?(o.__u|=16,l==c-1?v--:l==c+1?v++:l!=c&&(l>c?v--:v++,y=1)):(~l||(i>g?v--:i<g&&v++),typeof o.type!=`function`&&(o.__u|=4))):b[a]=null;if(y){for(u=[],f=[],a=0;a<i;a++)if((o=b[a])&&16&o.__u){for(v=0,p=u.length;v<p;)u[m=v+p>>1]<o.__i?v=m+1:p=m;u[v]=o.__i,f[a]=v+1}for(v=u.length;a--;)f[a]&&(f[a]==v?v--:b[a].__u|=4)}if(_)for(a=0;a<g;a++)!(s=n[a])||2&s.__u||(s.__e==r&&(r=C(s)),fe(s,s));return r}function ie(e,t,n,r){var i,a,o,s;if(typeof e.type==`function`){if(e.props.__P)return t;if(i=e.__k)for(a=0;a<i.length;a++)i[a]&&(i[a].__=e,t=ie(i[a],t,n,!1));return t}for(t&&!t.parentNode&&(t=C(e))&&!t.parentNode&&(t=null),o=e.__e,s=t;s&&s.nodeType==8;)s=s.nextSibling;for(o!=s&&(!r&&n.moveBefore&&o.parentNode?n.moveBefore(o,t):n.insertBefore(o,t||null)),t=o;(t=t&&t.nextSibling)&&t.nodeType==8&&!t.data.startsWith(`$s`););return t}function ae(e,t){return t=t||[],e!=null&&typeof e!=`boolean`&&(h(e)?e.some(function(e){ae(e,t)}):t.push(e)),t}function oe(e,t,n,r){var i,a=e.key,o=e.type,s=t[n],c=s&&!(2&s.__u);if(s===null&&a==null||c&&a==s.key&&o==s.type)return n;if(r>+!!c){for(i=n-1;i>=0;i--)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i;for(i=n+1;i<t.length;i++)if((s=t[i])&&!(2&s.__u)&&a==s.key&&o==s.type)return i}return-1}function D(e,t,n){n??(n=``),t[0]==`-`?e.setProperty(t,n):e[t]=n}function se(e,t,n,r,i){var a,o;if(t==`style`){if(typeof n==`string`)e.style.cssText=n;else{if(typeof r==`string`&&(e.style.cssText=r=``),r)for(t in r)n&&t in n||D(e.style,t);if(n)for(t in n)r&&n[t]==r[t]||D(e.style,t,n[t])}}else if(t[0]==`o`&&t[1]==`n`)typeof n!=`function`&&(n=null),typeof r!=`function`&&(r=null),(e.__e||(e.__e={}))[t]=n,n&&r||(o=l[t]||(l[t]=O(t)),(e.__a||(e.__a={}))[t]=c,a=t!=(t=t.replace(s,`$1`)),(t=t.slice(2))[0]<`a`&&(t=t.toLowerCase()),n?e.addEventListener(t,o,a):e.removeEventListener(t,o,a));else{if(i==`http://www.w3.org/2000/svg`)t=t.replace(/xlink(H|:h)/,`h`).replace(/sName$/,`s`);else if(t!=`width`&&t!=`height`&&t!=`href`&&t!=`list`&&t!=`form`&&t!=`tabIndex`&&t!=`download`&&t!=`rowSpan`&&t!=`colSpan`&&t!=`role`&&t!=`popover`&&t in e)try{e[t]=n??``;return}catch{}if(typeof n==`function`)return;n==null||!1===n&&t[4]!=`-`?e.removeAttribute(t):e.setAttribute(t,t==`popover`&&n==1?``:n)}}function O(t){return function(n){var r=this.__e;if(r){if(r=r[t],n[o]==null)n[o]=c++;else if(n[o]<this.__a[t])return;return r(e.event?e.event(n):n)}}}function k(t,n,r,i,a,o,s,c,l,u){var f,m,g,y,b,x,w,T,E,te,re,ie,ae,oe,D,se,O,k,A=n.type;if(n.constructor!==d)return null;128&r.__u&&(l=32&r.__u,f=r.__c.__z)&&(n.__u|=l,m=o=[],f.nodeType==8?c=ce(f,o):o.push(f),c=o[0]||c),(f=e.__b)&&f(n);e:if(typeof A==`function`){g=s.length;try{if(T=n.props,E=(f=A.prototype)&&f.render,te=(f=A.contextType)&&i[f.__c],re=f?te?te.props.value:f.__:i,(y=r.__c)?(n.__c=y,2&y.__g&&(y.__g|=1)):(E?n.__c=y=new A(T,re):(n.__c=y=new ee(T,re),y.constructor=A,y.render=pe),te&&te.sub(y),y.state||(y.state={}),y.__n=i,y.__g|=8,y.__h=[],y.__k=[]),E&&(y.__s||(y.__s=y.state),A.getDerivedStateFromProps&&(y.__s==y.state&&(y.__s=_({},y.__s)),_(y.__s,A.getDerivedStateFromProps(T,y.__s)))),b=y.props,x=y.state,y.__v=n,r.__c){if(T!==b&&E&&!A.getDerivedStateFromProps&&y.componentWillReceiveProps&&y.componentWillReceiveProps(T,re),n.__v==r.__v&&!(8&y.__g)||!(4&y.__g)&&y.shouldComponentUpdate&&!1===y.shouldComponentUpdate(T,y.__s,re)){n.__v!=r.__v&&(y.props=T,y.state=y.__s,y.__g&=-9),n.__e=r.__e,n.__k=r.__k,n.__k.some(function(e){e&&(e.__=n)}),p.push.apply(y.__h,y.__k),y.__k=[],y.__h.length&&s.push(y),c=C(r);break e}y.componentWillUpdate&&y.componentWillUpdate(T,y.__s,re),E&&y.componentDidUpdate&&y.__h.push(function(){y.componentDidUpdate(b,x,w)})}else E&&!A.getDerivedStateFromProps&&y.componentWillMount&&y.componentWillMount(),E&&y.componentDidMount&&y.__h.push(y.componentDidMount);y.context=re,y.props=T,y.__P=t,y.__g&=-5,ie=e.__r,ae=E?25:0;do y.__g&=-9,ie&&ie(n),f=y.render(y.props,y.state=y.__s,y.context);while(8&y.__g&&++ae<25);E&&(p.push.apply(y.__h,y.__k),y.__k=[]),y.state=y.__s,y.getChildContext&&(i=_({},i,y.getChildContext())),E&&r.__c&&y.getSnapshotBeforeUpdate&&(w=y.getSnapshotBeforeUpdate(b,x)),oe=f&&f.type===S&&f.key==null?f.props.children:f,T.__P&&(f=c,a=(t=T.__P).namespaceURI,l=o=null,r.props&&r.props.__P!=t&&(r.__k.some(function(e){e&&fe(e,e)}),r.__k=null),c=r.__k?C(r,0):null),c=ne(t,h(oe)?oe:[oe],n,r,i,a,o,s,c,l,u),T.__P&&(n.__e=null,c=f),n.__u&=-161,m&&m.some(v),y.__h.length&&s.push(y),1&y.__g&&(y.__g&=-4)}catch(t){if(s.length=g,n.__v=null,l||o){if(t&&t.then){if(n.__u|=128|l,o){for(~(O=o.indexOf(c||void 0))||(O=o.length);(k=o[O-1])&&k.nodeType==8;)O--;for(;O<o.length;O++)if(k=o[O]){if(o[O]=null,D){if(k==se)break}else{if(k.nodeType!=8)break;k.data.startsWith(`$s`)&&(se=ce(D=k))}}}if(!D){for(;c&&c.nodeType==8&&c.nextSibling;)c=c.nextSibling;D=c}(f=ce(D=n.__c.__z||(n.__c.__z=D)))?(n.__e=D,c=f):n.__e=c,c=c&&c.nextSibling}else o&&o.some(v)}else n.__e=r.__e;n.__k||(n.__k=r.__k||[]),t&&t.then||le(n),e.__e(t,n,r)}}else c=n.__e=ue(r.__e,n,r,i,a,o,s,l,u,t);return(f=e.diffed)&&f(n),c}function ce(e,t){if(e&&e.nodeType==8&&e.data.startsWith(`$s`))for(var n=1;e=e.nextSibling;){if(e.nodeType==8){if(e.data.startsWith(`$s`))n++;else if(e.data.startsWith(`/$s`)&&!--n)return e}t&&t.push(e)}}function le(e){e&&(e.__c&&(e.__c.__g|=4),e.__k&&e.__k.some(le))}function A(t,n,r){for(var i=0;i<r.length;)de(r[i++],r[i++],r[i++]);e.__c&&e.__c(n,t),t.some(function(n){try{t=n.__h,n.__h=[],t.some(function(e){e.call(n)})}catch(t){e.__e(t,n.__v)}})}function ue(t,n,r,i,a,o,s,c,l,u){var d,p,_,y,b,x,S,ee,w=r.props||f,T=n.props,E=n.type;if(E==`svg`?a=`http://www.w3.org/2000/svg`:E==`math`?a=`http://www.w3.org/1998/Math/MathML`:a||(a=`http://www.w3.org/1999/xhtml`),o){for(d=0;d<o.length;d++)if((b=o[d])&&(E?b.localName==E:b.nodeType==3)){t=b,o[d]=null;break}}if(!t){if(ee=u.ownerDocument||document,!E)return ee.createTextNode(T);t=ee.createElementNS(a,E,T.is?T:u),c&&(e.__m&&e.__m(n,o),c=!1),o=null}if(E){if(u=E==`template`&&t.content||t,o=E==`textarea`&&T.defaultValue!=null?null:o&&g.call(u.childNodes),!c&&o)for(w={},d=0;d<t.attributes.length;d++)w[(b=t.attributes[d]).name]=b.value;for(d in w)b=w[d],d==`dangerouslySetInnerHTML`?_=b:d==`children`||d in T||d==`value`&&`defaultValue`in T||d==`checked`&&`defaultChecked`in T||se(t,d,null,b,a);for(d in T)b=T[d],d==`children`?y=b:d==`dangerouslySetInnerHTML`?p=b:d==`value`?x=b:d==`checked`?S=b:c&&typeof b!=`function`||w[d]===b||se(t,d,b,w[d],a);p?(c||_&&(p.__html==_.__html||p.__html==t.innerHTML)||(t.innerHTML=p.__html),n.__k=[]):(_&&(t.textContent=``),(E==`foreignObject`||a==`http://www.w3.org/1998/Math/MathML`&&m.test(E))&&(a=`http://www.w3.org/1999/xhtml`),ne(u,h(y)?y:[y],n,r,i,a,o,s,o?o[0]:r.__k&&C(r,0),c,l),o&&o.some(v)),c&&E!=`textarea`||(d=`value`,E==`progress`&&x==null?t.removeAttribute(d):x==null||x===t[d]&&(E!=`progress`||x)||se(t,d,x,w[d],a),d=`checked`,S!=null&&S!=t[d]&&se(t,d,S,w[d],a))}else w===T||c&&t.data==T||(t.data=T);return t}function de(t,n,r,i){try{typeof t==`function`?n?n.__x=t(n)||1:i&&(i=i.__c||i.__e)&&(n=i.__x)&&(i.__x=null,typeof n==`function`?n():t(null)):t.current=n}catch(t){e.__e(t,r)}}function fe(t,n,r){var i,a,o,s;if(e.unmount&&e.unmount(t),!(i=t.ref)||i.current&&i.current!=t.__e||de(i,null,n,t),i=t.__c){if(i.componentWillUnmount)try{i.componentWillUnmount()}catch(t){e.__e(t,n)}i.__P=i.__n=null}if(i=t.__k)for(s=0;s<i.length;s++)i[s]&&fe(i[s],n,typeof t.type!=`function`||r&&!t.props.__P);!r&&(i=t.__c)&&(i=i.__z)&&(a=ce(i,o=[]))&&(i==t.__e&&o.some(v),v(a),v(i)),r||v(t.__e),t.__e=t.__c=t.__=null}function pe(e,t,n){return this.constructor(e,n)}function me(t,n){var r,i,a,o;e.__&&e.__(t,n),n.nodeType==9&&(n=n.documentElement),i=(r=t&&32&t.__u)?null:n.__k,n.__k=x(S,{children:[t]}),a=[],o=[],k(n,n.__k,i||f,f,n.namespaceURI,i?null:n.firstChild?g.call(n.childNodes):null,a,i?i.__e:n.firstChild,r,o),A(a,n.__k,o),n.__k.props.children=null}function he(e){function t(e){var n,r;return this.getChildContext||(n=new Set,(r={})[t.__c]=this,this.getChildContext=function(){return r},this.shouldComponentUpdate=function(e){this.props.value!=e.value&&n.forEach(function(e){e.__g|=4,E(e)})},this.sub=function(e){n.add(e);var t=e.componentWillUnmount;e.componentWillUnmount=function(){n.delete(e),t&&t.call(e)}}),e.children}return t.__c=`__cC`+u++,t.__=e,t.Provider=(t.Consumer=function(e,t){return e.children(t)}).contextType=t,t}e={__e:function(e,t,n,r){for(var a,o,s;t=t.__;)if((a=t.__c)&&!(1&a.__g)){a.__g|=4;try{if((s=(o=a.constructor)&&o.getDerivedStateFromError)&&a.setState(o.getDerivedStateFromError(e)),a.componentDidCatch&&(a.componentDidCatch(e,r||{}),s=1),s&&8&a.__g)return void(a.__g|=2)}catch(t){e=t}}throw i=0,e}},t=0,ee.prototype.setState=function(e,t){var n=this.__s;n&&n!=this.state||(n=this.__s=_({},this.state)),typeof e==`function`&&(e=e(_({},n),this.props)),e&&(_(n,e),this.__v&&(t&&this.__k.push(t),E(this)))},ee.prototype.forceUpdate=function(e){this.__v&&(this.__g|=4,e&&this.__h.push(e),E(this))},ee.prototype.render=S,n=[],i=0,a=function(e,t){return e.__v.__b-t.__v.__b},o=Symbol(),s=/(PointerCapture)$|Capture$/i,c=0,l={},u=0;var ge,j,_e,ve,ye=Object.is,be=0,xe=[],Se=[],M=e,Ce=M.__b,we=M.__r,Te=M.diffed,Ee=M.__c,De=M.unmount,Oe=M.__;function ke(e,t){M.__h&&M.__h(j,e,be||t),be=0;var n=j.__H||(j.__H={__:[],__h:[]});return e>=n.__.length&&n.__.push({}),n.__[e]}function N(e){return be=1,Ae(He,e)}function Ae(e,t,n){var r=ke(ge++,2);if(r.t=e,!r.__c&&(r.__=[n?n(t):He(void 0,t),function(e){var t=(r.__N||r.__)[0],n=r.t(t,e);ye(t,n)||(r.__N=[n,r.__[1]],r.__c.setState({}))}],r.__c=j,!j.__f)){j.__f=!0;var i=j.shouldComponentUpdate;j.shouldComponentUpdate=function(e,t,n){var r=this.__H;if(!r)return!0;var a=!1,o=this.props!=e;if(r.__.some(function(e){e.__N&&(a=!0,ye(e.__[0],e.__N[0])||(o=!0))}),i){var s=i.call(this,e,t,n);return a?s||o:s}return!a||o}}return r.__}function je(e,t){var n=ke(ge++,3);!M.__s&&Ve(n.__H,t)&&(n.__P=!0,n.__=e,n.u=t,j.__H.__h.push(n))}function Me(e,t){var n=ke(ge++,4);!M.__s&&Ve(n.__H,t)&&(n.__P=!1,n.__=e,n.u=t,j.__h.push(n))}function P(e){return be=5,Ne(function(){return{current:e}},[])}function Ne(e,t){var n=ke(ge++,7);return Ve(n.__H,t)&&(n.__=e(),n.__H=t),n.__}function Pe(e){var t=j.context[e.__c],n=ke(ge++,9);return n.c=e,t?(n.__??(n.__=!0,t.sub(j)),t.props.value):e.__}function Fe(){var e;do{for(;e=Se.shift();)try{ze(e)}catch(t){M.__e(t,{__:(e=e.__P)&&e.__v})}for(;e=xe.shift();){var t=e.__H;if(e.__P&&t)try{t.__h.some(ze),t.__h.some(Be),t.__h=[]}catch(n){t.__h=[],M.__e(n,e.__v)}}}while(Se.length)}M.__b=function(e){j=null,Ce&&Ce(e)},M.__=function(e,t){e&&t.__k&&t.__k.__m&&(e.__m=t.__k.__m),Oe&&Oe(e,t)},M.__r=function(e){we&&we(e),ge=0;var t=(j=e.__c).__H;t&&(_e==j?j.__h=[]:(t.__h.some(ze),t.__h.some(Be),ge=0),t.__h=[],t.__.some(function(e){e.__N&&(e.__=e.__N),e.u=e.__N=void 0})),_e=j},M.diffed=function(e){Te&&Te(e);var t=e.__c;t&&t.__H&&(t.__H.__h.length&&Re(xe.push(t)),t.__H.__.some(function(e){e.u&&(e.__H=e.u)})),_e=j=null},M.__c=function(e,t){t.some(function(e){try{e.__h.some(ze),e.__h=e.__h.filter(function(e){return!e.__||Be(e)})}catch(t){e.__h=[function(){throw t}]}}),Ee&&Ee(e,t)},M.unmount=function(e){De&&De(e);var t,n,r=e.__c;r&&r.__H&&(r.__H.__.some(function(r){try{if(r.__P&&r.__c){if(n===void 0){for(n=e.__;n&&(!n.__c||!n.__c.__P);)n=n.__;n=n&&n.__c}r.__P=n,Re(Se.push(r))}else ze(r)}catch(e){t=e}}),r.__H=void 0,t&&M.__e(t,r.__v))};var Ie=typeof requestAnimationFrame==`function`;function Le(e){var t,n=function(){clearTimeout(r),Ie&&cancelAnimationFrame(t),setTimeout(e)},r=setTimeout(n,35);Ie&&(t=requestAnimationFrame(n))}function Re(e){e!=1&&ve==M.requestAnimationFrame||((ve=M.requestAnimationFrame)||Le)(Fe)}function ze(e){var t=j,n=e.__c;typeof n==`function`&&(e.__c=void 0,n()),j=t}function Be(e){var t=j;e.__c=e.__(),j=t}function Ve(e,t){return!e||e.length!=t.length||t.some(function(t,n){return!ye(t,e[n])})}function He(e,t){return typeof t==`function`?t(e):t}var Ue,We;function Ge(e){return!We||(typeof We==`string`?e.startsWith(We):We.test(e))}function Ke(e,t){let n=``;if(Ue=void 0,t&&t.type===`click`){if(t.ctrlKey||t.metaKey||t.altKey||t.shiftKey||t.button!==0)return e;let r=t.composedPath().find(e=>e.nodeName==`A`&&e.href),i=r&&r.getAttribute(`href`);if(!r||r.origin!=location.origin||/^#/.test(i)||!/^(_?self)?$/i.test(r.target)||!Ge(i)||r.download)return e;Ue=!0,t.preventDefault(),n=r.href.replace(location.origin,``)}else t&&t.url?(Ue=!t.replace,n=t.url):n=location.pathname+location.search;return Ue===!0?history.pushState(null,``,n):Ue===!1&&history.replaceState(null,``,n),n}var qe=(e,t,n={})=>{e=e.split(`/`).filter(Boolean),t=(t||``).split(`/`).filter(Boolean),n.params||(n.params={});for(let r=0,i,a;r<Math.max(e.length,t.length);r++){let[,o,s,c]=(t[r]||``).match(/^(:?)(.*?)([+*?]?)$/);if(i=e[r],o||s!=i){if(!o&&i&&c==`*`){n.rest=`/`+e.slice(r).join(`/`);break}if(!o||!i&&c!=`?`&&c!=`*`)return;if(a=c==`+`||c==`*`,a?i=e.slice(r).map(decodeURIComponent).join(`/`)||void 0:i&&(i=decodeURIComponent(i)),n.params[s]=i,s in n||(n[s]=i),a)break}}return n};function Je(e){let[t,n]=Ae(Ke,e.url||location.pathname+location.search);e.scope&&(We=e.scope);let r=Ue===!0,i=Ne(()=>{let e=new URL(t,location.origin),i=e.pathname.replace(/\/+$/g,``)||`/`;return{url:t,path:i,query:Object.fromEntries(e.searchParams),route:(e,t)=>n({url:e,replace:t}),back:()=>{history.back()},forward:()=>{history.forward()},wasPush:r}},[t]);return Me(()=>(addEventListener(`click`,n),addEventListener(`popstate`,n),()=>{removeEventListener(`click`,n),removeEventListener(`popstate`,n)}),[]),y(Je.ctx.Provider,{value:i},e.children)}var Ye=Promise.resolve();function Xe(e){let[t,n]=Ae(e=>e+1,0),{url:r,query:i,wasPush:a,path:o}=F();if(!r)throw Error(`preact-iso's <Router> must be used within a <LocationProvider>, see: https://github.com/preactjs/preact-iso#locationprovider`);let{rest:s=o,params:c={}}=Pe(et),l=P(!1),u=P(o),d=P(1),f=P(),p=P(),m=P(),h=P(!1),g=P();g.current=!1;let _,v,x;ae(e.children).some(e=>{if(qe(s,e.props.path,x={...e.props,path:s,query:i,params:Object.assign({},c),rest:``}))return _=b(e,x);e.props.default&&(v=b(e,x))});let S=_||v,ee=f.current&&f.current.__u&Ze&&f.current.__u&Qe,C=f.current&&f.current.__h,w=Ne(()=>{p.current=f.current,f.current=y(et.Provider,{value:x},S);let e=p.current&&p.current.props.children;return!e||!S||S.type!==e.type||S.props.component!==e.props.component?(d.current++,!0):!1},[r,JSON.stringify(x)]);ee?(f.current.__u|=Ze,f.current.__u|=Qe):C&&(f.current.__h=!0);let T=p.current;return p.current=null,this.__c=(t,i)=>{g.current=!0,p.current=T,e.onLoadStart&&e.onLoadStart(r),l.current=!0;let a=d.current;t.then(()=>{a===d.current&&(p.current=null,f.current&&(i.__h&&(f.current.__h=i.__h),i.__u&Qe&&(f.current.__u|=Qe),i.__u&Ze&&(f.current.__u|=Ze)),Ye.then(n))})},Me(()=>{let t=this.__v&&this.__v.__e;g.current?!h.current&&!m.current&&(m.current=t):(!h.current&&m.current&&(m.current!==t&&m.current.remove(),m.current=null),h.current=!0,u.current!==o&&(a&&scrollTo(0,0),e.onRouteChange&&e.onRouteChange(r),u.current=o),e.onLoadEnd&&l.current&&e.onLoadEnd(r),l.current=!1)},[o,a,t]),w?[y($e,{r:f,key:d.current}),y($e,{r:p,key:d.current-1})]:y($e,{r:f,key:d.current})}var Ze=32,Qe=128,$e=({r:e})=>e.current;Xe.Provider=Je,Je.ctx=he({});var et=he({}),tt=e=>y(e.component,e),F=()=>Pe(Je.ctx),nt=e.__b;e.__b=e=>{e.type&&e.type._forwarded&&e.ref&&(e.props.ref=e.ref,e.ref=null),nt&&nt(e)};function I(e){let t,n,r=()=>e().then(e=>n=e&&e.default||e),i=e=>{let[,i]=N(0),a=P(n);if(t||(t=r()),n!==void 0)return y(n,e);throw a.current||(a.current=t.then(()=>i(1))),t};return i.preload=()=>(t||(t=r()),t),i._forwarded=!0,i}var rt=e.__e;e.__e=(e,t,n)=>{if(e&&e.then){let r=t;for(;r=r.__;)if(r.__c&&r.__c.__c)return t.__e??(t.__c.__z=[n.__e],t.__e=n.__e,t.__k=n.__k),t.__k||(t.__k=[]),r.__c.__c(e,t)}rt&&rt(e,t,n)};function it(e){return this.__c=at,this.componentDidCatch=e.onError,e.children}function at(e){e.then(()=>this.forceUpdate())}var ot=(function(){let e=typeof document<`u`&&document.createElement(`link`).relList;return e&&e.supports&&e.supports(`modulepreload`)?`modulepreload`:`preload`})(),st=function(e){return`/`+e},ct={},lt={},ut=function(e){return e.pathname.endsWith(`.css`)},dt=function(e,t,n){if(t in e)return e[t];let r=n();if(!r){e[t]=void 0;return}let i=r.then(()=>{e[t]=void 0},n=>{throw delete e[t],n});return e[t]=i,i},L=function(e,t,n){let r=Promise.resolve();if(t&&t.length>0){let e,i=document.querySelector(`meta[property=csp-nonce]`),a=i?.nonce||i?.getAttribute(`nonce`);function o(e){return Promise.all(e.map(e=>Promise.resolve(e).then(e=>({status:`fulfilled`,value:e}),e=>({status:`rejected`,reason:e}))))}function s(e){return import.meta.resolve?new URL(import.meta.resolve(e)):new URL(e,import.meta.url)}r=o(t.map(t=>{t=st(t,n);let r=s(t),i=ut(r);return dt(ct,r.href,()=>{if(e===void 0){e={all:new Set,styles:new Set};let t=document.getElementsByTagName(`link`);for(let n=t.length-1;n>=0;n--){let r=t[n];e.all.add(r.href),r.rel===`stylesheet`&&e.styles.add(r.href)}}let t=i?e.styles:e.all,n=i?lt[r.href]:void 0;if(!n&&t.has(r.href))return;let o=document.createElement(`link`);if(o.rel=i?`stylesheet`:ot,i||(o.as=`script`),o.crossOrigin=``,o.href=r.href,a&&o.setAttribute(`nonce`,a),n&&delete lt[r.href],n?.isConnected?n.replaceWith(o):document.head.appendChild(o),i)return new Promise((e,t)=>{let n=i=>{o.removeEventListener(`load`,n),o.removeEventListener(`error`,n),i.type===`error`?(lt[r.href]=o,t(Error(`Unable to preload CSS for ${r}`))):e(i)};o.addEventListener(`load`,n),o.addEventListener(`error`,n)})})}).filter(e=>e!==void 0))}function i(e){let t=new Event(`vite:preloadError`,{cancelable:!0});if(t.payload=e,window.dispatchEvent(t),!t.defaultPrevented)throw e}return r.then(t=>{for(let e of t||[])e.status===`rejected`&&i(e.reason);return e().catch(i)})},ft={NAME:`Name`,DOCUMENT:`Document`,OPERATION_DEFINITION:`OperationDefinition`,VARIABLE_DEFINITION:`VariableDefinition`,SELECTION_SET:`SelectionSet`,FIELD:`Field`,ARGUMENT:`Argument`,FRAGMENT_SPREAD:`FragmentSpread`,INLINE_FRAGMENT:`InlineFragment`,FRAGMENT_DEFINITION:`FragmentDefinition`,VARIABLE:`Variable`,INT:`IntValue`,FLOAT:`FloatValue`,STRING:`StringValue`,BOOLEAN:`BooleanValue`,NULL:`NullValue`,ENUM:`EnumValue`,LIST:`ListValue`,OBJECT:`ObjectValue`,OBJECT_FIELD:`ObjectField`,DIRECTIVE:`Directive`,NAMED_TYPE:`NamedType`,LIST_TYPE:`ListType`,NON_NULL_TYPE:`NonNullType`},pt=class extends Error{constructor(e,t,n,r,i,a,o){super(e),this.name=`GraphQLError`,this.message=e,i&&(this.path=i),t&&(this.nodes=Array.isArray(t)?t:[t]),n&&(this.source=n),r&&(this.positions=r),a&&(this.originalError=a);var s=o;if(!s&&a){var c=a.extensions;c&&typeof c==`object`&&(s=c)}this.extensions=s||{}}toJSON(){return{...this,message:this.message}}toString(){return this.message}get[Symbol.toStringTag](){return`GraphQLError`}},R,z;function B(e){return new pt(`Syntax Error: Unexpected token at ${z} in ${e}`)}function mt(e){if(e.lastIndex=z,e.test(R))return R.slice(z,z=e.lastIndex)}var ht=/ +(?=[^\s])/y;function gt(e){for(var t=e.split(`
`),n=``,r=0,i=0,a=t.length-1,o=0;o<t.length;o++)ht.lastIndex=0,ht.test(t[o])&&(o&&(!r||ht.lastIndex<r)&&(r=ht.lastIndex),i=i||o,a=o);for(var s=i;s<=a;s++)s!==i&&(n+=`
`),n+=t[s].slice(r).replace(/\\"""/g,`"""`);return n}function V(){for(var e=0|R.charCodeAt(z++);e===9||e===10||e===13||e===32||e===35||e===44||e===65279;e=0|R.charCodeAt(z++))if(e===35)for(;(e=0|R.charCodeAt(z++))&&e!==10&&e!==13;);z--}function _t(){for(var e=z,t=0|R.charCodeAt(z++);t>=48&&t<=57||t>=65&&t<=90||t===95||t>=97&&t<=122;t=0|R.charCodeAt(z++));if(e===z-1)throw B(`Name`);var n=R.slice(e,--z);return V(),n}function H(){return{kind:`Name`,value:_t()}}var vt=/(?:"""|(?:[\s\S]*?[^\\])""")/y,yt=/(?:(?:\.\d+)?[eE][+-]?\d+|\.\d+)/y;function bt(e){var t;switch(R.charCodeAt(z)){case 91:z++,V();for(var n=[];R.charCodeAt(z)!==93;)n.push(bt(e));return z++,V(),{kind:`ListValue`,values:n};case 123:z++,V();for(var r=[];R.charCodeAt(z)!==125;){var i=H();if(R.charCodeAt(z++)!==58)throw B(`ObjectField`);V(),r.push({kind:`ObjectField`,name:i,value:bt(e)})}return z++,V(),{kind:`ObjectValue`,fields:r};case 36:if(e)throw B(`Variable`);return z++,{kind:`Variable`,name:H()};case 34:if(R.charCodeAt(z+1)===34&&R.charCodeAt(z+2)===34){if(z+=3,(t=mt(vt))==null)throw B(`StringValue`);return V(),{kind:`StringValue`,value:gt(t.slice(0,-3)),block:!0}}var a=z,o;z++;var s=!1;for(o=0|R.charCodeAt(z++);o===92&&(z++,s=!0)||o!==10&&o!==13&&o!==34&&o;o=0|R.charCodeAt(z++));if(o!==34)throw B(`StringValue`);return t=R.slice(a,z),V(),{kind:`StringValue`,value:s?JSON.parse(t):t.slice(1,-1),block:!1};case 45:case 48:case 49:case 50:case 51:case 52:case 53:case 54:case 55:case 56:case 57:for(var c=z++,l;(l=0|R.charCodeAt(z++))>=48&&l<=57;);var u=R.slice(c,--z);if((l=R.charCodeAt(z))===46||l===69||l===101){if((t=mt(yt))==null)throw B(`FloatValue`);return V(),{kind:`FloatValue`,value:u+t}}return V(),{kind:`IntValue`,value:u};case 110:if(R.charCodeAt(z+1)===117&&R.charCodeAt(z+2)===108&&R.charCodeAt(z+3)===108)return z+=4,V(),{kind:`NullValue`};break;case 116:if(R.charCodeAt(z+1)===114&&R.charCodeAt(z+2)===117&&R.charCodeAt(z+3)===101)return z+=4,V(),{kind:`BooleanValue`,value:!0};break;case 102:if(R.charCodeAt(z+1)===97&&R.charCodeAt(z+2)===108&&R.charCodeAt(z+3)===115&&R.charCodeAt(z+4)===101)return z+=5,V(),{kind:`BooleanValue`,value:!1}}return{kind:`EnumValue`,value:_t()}}function xt(e){if(R.charCodeAt(z)===40){var t=[];z++,V();do{var n=H();if(R.charCodeAt(z++)!==58)throw B(`Argument`);V(),t.push({kind:`Argument`,name:n,value:bt(e)})}while(R.charCodeAt(z)!==41);return z++,V(),t}}function St(e){if(R.charCodeAt(z)===64){var t=[];do z++,t.push({kind:`Directive`,name:H(),arguments:xt(e)});while(R.charCodeAt(z)===64);return t}}function Ct(){for(var e=0;R.charCodeAt(z)===91;)e++,z++,V();var t={kind:`NamedType`,name:H()};do if(R.charCodeAt(z)===33&&(z++,V(),t={kind:`NonNullType`,type:t}),e){if(R.charCodeAt(z++)!==93)throw B(`NamedType`);V(),t={kind:`ListType`,type:t}}while(e--);return t}function wt(){if(R.charCodeAt(z++)!==123)throw B(`SelectionSet`);return V(),Tt()}function Tt(){var e=[];do if(R.charCodeAt(z)===46){if(R.charCodeAt(++z)!==46||R.charCodeAt(++z)!==46)throw B(`SelectionSet`);switch(z++,V(),R.charCodeAt(z)){case 64:e.push({kind:`InlineFragment`,typeCondition:void 0,directives:St(!1),selectionSet:wt()});break;case 111:R.charCodeAt(z+1)===110?(z+=2,V(),e.push({kind:`InlineFragment`,typeCondition:{kind:`NamedType`,name:H()},directives:St(!1),selectionSet:wt()})):e.push({kind:`FragmentSpread`,name:H(),directives:St(!1)});break;case 123:z++,V(),e.push({kind:`InlineFragment`,typeCondition:void 0,directives:void 0,selectionSet:Tt()});break;default:e.push({kind:`FragmentSpread`,name:H(),directives:St(!1)})}}else{var t=H(),n=void 0;R.charCodeAt(z)===58&&(z++,V(),n=t,t=H());var r=xt(!1),i=St(!1),a=void 0;R.charCodeAt(z)===123&&(z++,V(),a=Tt()),e.push({kind:`Field`,alias:n,name:t,arguments:r,directives:i,selectionSet:a})}while(R.charCodeAt(z)!==125);return z++,V(),{kind:`SelectionSet`,selections:e}}function Et(){if(V(),R.charCodeAt(z)===40){var e=[];z++,V();do{var t=void 0;if(R.charCodeAt(z)===34&&(t=bt(!0)),R.charCodeAt(z++)!==36)throw B(`Variable`);var n=H();if(R.charCodeAt(z++)!==58)throw B(`VariableDefinition`);V();var r=Ct(),i=void 0;R.charCodeAt(z)===61&&(z++,V(),i=bt(!0)),V();var a={kind:`VariableDefinition`,variable:{kind:`Variable`,name:n},type:r,defaultValue:i,directives:St(!0)};t&&(a.description=t),e.push(a)}while(R.charCodeAt(z)!==41);return z++,V(),e}}function Dt(e){var t=H();if(R.charCodeAt(z++)!==111||R.charCodeAt(z++)!==110)throw B(`FragmentDefinition`);V();var n={kind:`FragmentDefinition`,name:t,typeCondition:{kind:`NamedType`,name:H()},directives:St(!1),selectionSet:wt()};return e&&(n.description=e),n}function Ot(){var e=[];do{var t=void 0;if(R.charCodeAt(z)===34&&(t=bt(!0)),R.charCodeAt(z)===123){if(t)throw B(`Document`);z++,V(),e.push({kind:`OperationDefinition`,operation:`query`,name:void 0,variableDefinitions:void 0,directives:void 0,selectionSet:Tt()})}else{var n=_t();switch(n){case`fragment`:e.push(Dt(t));break;case`query`:case`mutation`:case`subscription`:var r,i=void 0;(r=R.charCodeAt(z))!==40&&r!==64&&r!==123&&(i=H());var a={kind:`OperationDefinition`,operation:n,name:i,variableDefinitions:Et(),directives:St(!1),selectionSet:wt()};t&&(a.description=t),e.push(a);break;default:throw B(`Document`)}}}while(z<R.length);return e}function kt(e,t){return R=e.body?e.body:e,z=0,V(),t&&t.noLocation?{kind:`Document`,definitions:Ot()}:{kind:`Document`,definitions:Ot(),loc:{start:0,end:R.length,startToken:void 0,endToken:void 0,source:{body:R,name:`graphql.web`,locationOffset:{line:1,column:1}}}}}function U(e,t,n){for(var r=``,i=0;i<e.length;i++)i&&(r+=t),r+=n(e[i]);return r}function At(e){return JSON.stringify(e)}function jt(e){return`"""
`+e.replace(/"""/g,`\\"""`)+`
"""`}var W=`
`,G={OperationDefinition(e){var t=``;e.description&&(t+=G.StringValue(e.description)+`
`),t+=e.operation,e.name&&(t+=` `+e.name.value),e.variableDefinitions&&e.variableDefinitions.length&&(e.name||(t+=` `),t+=`(`+U(e.variableDefinitions,`, `,G.VariableDefinition)+`)`),e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive));var n=G.SelectionSet(e.selectionSet);return t===`query`?n:t+` `+n},VariableDefinition(e){var t=``;return e.description&&(t+=G.StringValue(e.description)+` `),t+=G.Variable(e.variable)+`: `+K(e.type),e.defaultValue&&(t+=` = `+K(e.defaultValue)),e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive)),t},Field(e){var t=e.alias?e.alias.value+`: `+e.name.value:e.name.value;if(e.arguments&&e.arguments.length){var n=U(e.arguments,`, `,G.Argument);t.length+n.length+2>80?t+=`(`+(W+=`  `)+U(e.arguments,W,G.Argument)+(W=W.slice(0,-2))+`)`:t+=`(`+n+`)`}return e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive)),e.selectionSet&&e.selectionSet.selections.length&&(t+=` `+G.SelectionSet(e.selectionSet)),t},StringValue(e){return e.block?jt(e.value).replace(/\n/g,W):At(e.value)},BooleanValue:e=>``+e.value,NullValue:e=>`null`,IntValue:e=>e.value,FloatValue:e=>e.value,EnumValue:e=>e.value,Name:e=>e.value,Variable:e=>`$`+e.name.value,ListValue:e=>`[`+U(e.values,`, `,K)+`]`,ObjectValue:e=>`{`+U(e.fields,`, `,G.ObjectField)+`}`,ObjectField:e=>e.name.value+`: `+K(e.value),Document(e){return!e.definitions||!e.definitions.length?``:U(e.definitions,`

`,K)},SelectionSet:e=>`{`+(W+=`  `)+U(e.selections,W,K)+(W=W.slice(0,-2))+`}`,Argument:e=>e.name.value+`: `+K(e.value),FragmentSpread(e){var t=`...`+e.name.value;return e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive)),t},InlineFragment(e){var t=`...`;return e.typeCondition&&(t+=` on `+e.typeCondition.name.value),e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive)),t+=` `+G.SelectionSet(e.selectionSet)},FragmentDefinition(e){var t=``;return e.description&&(t+=G.StringValue(e.description)+`
`),t+=`fragment `+e.name.value,t+=` on `+e.typeCondition.name.value,e.directives&&e.directives.length&&(t+=` `+U(e.directives,` `,G.Directive)),t+` `+G.SelectionSet(e.selectionSet)},Directive(e){var t=`@`+e.name.value;return e.arguments&&e.arguments.length&&(t+=`(`+U(e.arguments,`, `,G.Argument)+`)`),t},NamedType:e=>e.name.value,ListType:e=>`[`+K(e.type)+`]`,NonNullType:e=>K(e.type)+`!`},K=e=>G[e.kind](e);function Mt(e){return W=`
`,G[e.kind]?G[e.kind](e):``}var Nt=e=>e/2**32|0,Pt=e=>e>>>0;function Ft(e,t,n,r){let i=Nt(n),a=Pt(n);e.setUint32(t,r?a:i,r),e.setUint32(t+4,r?i:a,r)}function It(e){return e instanceof Uint8Array||ArrayBuffer.isView(e)&&e.constructor.name===`Uint8Array`&&`BYTES_PER_ELEMENT`in e&&e.BYTES_PER_ELEMENT===1}var Lt=e=>e?`"${e}" `:``;function Rt(e,t=``){if(typeof e!=`number`)throw TypeError(Lt(t)+`expected number, got `+typeof e);if(!Number.isSafeInteger(e)||e<0)throw RangeError(Lt(t)+`expected integer >= 0, got `+e);return e}function zt(e,t,n=``){if(It(e)&&(t===void 0||e.length===t))return e;t!==void 0&&Rt(t,`length`);let r=It(e),i=t===void 0?``:` of length ${t}`,a=r?`length=${e.length}`:`type=${typeof e}`,o=Lt(n)+`expected Uint8Array`+i+`, got `+a;throw r?RangeError(o):TypeError(o)}var Bt=(e,t)=>{if(typeof e!=`object`||!e||Array.isArray(e))throw TypeError((t===`object`?``:`"${t}" `)+`expected object, got type=`+typeof e)},Vt=(e,t)=>{Bt(e,t);let n=Object.getPrototypeOf(e);if(n!==Object.prototype&&n!==null)throw TypeError(`"${t}" expected plain object`);if(Object.hasOwn(e,`__proto__`))throw TypeError(`"${t}.__proto__" is not allowed`)};function Ht(e,t=!0){if(e.destroyed)throw Error(`hash was destroyed`);if(t&&e.finished)throw Error(`digest() was already called`)}function Ut(e,t){zt(e,void 0,`output`);let n=t.outputLen;if(!(e.length>=n))throw RangeError(`"output" expected length >= `+n)}function Wt(...e){for(let t=0;t<e.length;t++)e[t].fill(0)}function Gt(e){return new DataView(e.buffer,e.byteOffset,e.byteLength)}function q(e,t){return e<<32-t|e>>>t}var Kt=typeof Uint8Array.from([]).toHex==`function`&&typeof Uint8Array.fromHex==`function`,qt=Array.from({length:256},(e,t)=>t.toString(16).padStart(2,`0`));function Jt(e){if(zt(e),Kt)return e.toHex();let t=``;for(let n=0;n<e.length;n++)t+=qt[e[n]];return t}function Yt(e){if(typeof e!=`string`)throw TypeError(`string expected`);let t=new TextEncoder().encode(e);try{return new Uint8Array(t)}finally{Wt(t)}}function Xt(e,t,n=`opts`){return Vt(e,`defaults`),t!==void 0&&Vt(t,n),Object.assign(Object.create(null),e,t)}function Zt(e,t={}){if(typeof e!=`function`)throw TypeError(`"hashCons" expected function, got type=`+typeof e);t=Xt({},t,`info`);let n=(t,n)=>e(n).update(t).digest(),r=e(void 0);return n.outputLen=r.outputLen,n.blockLen=r.blockLen,n.canXOF=r.canXOF,n.create=t=>e(t),Object.assign(n,t),Object.freeze(n)}var Qt=e=>({oid:Uint8Array.from([6,9,96,134,72,1,101,3,4,2,e])});function $t(e){"@babel/helpers - typeof";return $t=typeof Symbol==`function`&&typeof Symbol.iterator==`symbol`?function(e){return typeof e}:function(e){return e&&typeof Symbol==`function`&&e.constructor===Symbol&&e!==Symbol.prototype?`symbol`:typeof e},$t(e)}function en(e,t){if($t(e)!=`object`||!e)return e;var n;if(typeof Symbol<`u`&&(n=e[Symbol.toPrimitive])!==void 0){var r=n.call(e,t||`default`);if($t(r)!=`object`)return r;throw TypeError(`@@toPrimitive must return a primitive value.`)}return(t===`string`?String:Number)(e)}function tn(e){var t=en(e,`string`);return $t(t)==`symbol`?t:t+``}function J(e,t,n){return(t=tn(t))in e?Object.defineProperty(e,t,{value:n,enumerable:!0,configurable:!0,writable:!0}):e[t]=n,e}function nn(e,t,n){return e&t^~e&n}function rn(e,t,n){return e&t^e&n^t&n}var an=class{constructor(e,t,n,r){J(this,`blockLen`,void 0),J(this,`outputLen`,void 0),J(this,`canXOF`,!1),J(this,`padOffset`,void 0),J(this,`isLE`,void 0),J(this,`buffer`,void 0),J(this,`view`,void 0),J(this,`finished`,!1),J(this,`length`,0),J(this,`pos`,0),J(this,`destroyed`,!1),this.blockLen=e,this.outputLen=t,this.padOffset=n,this.isLE=r,this.buffer=new Uint8Array(e),this.view=Gt(this.buffer)}update(e){Ht(this),zt(e);let{view:t,buffer:n,blockLen:r}=this,i=e.length,a=!1;for(let o=0;o<i;){let s=Math.min(r-this.pos,i-o);if(s===r){let t=Gt(e);for(;r<=i-o;o+=r)this.process(t,o);a=!0}else n.set(o===0&&s===i?e:e.subarray(o,o+s),this.pos),this.pos+=s,o+=s,this.pos===r&&(this.process(t,0),this.pos=0,a=!0)}return this.length+=e.length,a&&this.roundClean(),this}digestInto(e){Ht(this),Ut(e,this),this.finished=!0;let{buffer:t,view:n,blockLen:r,isLE:i}=this,{pos:a}=this;t[a++]=128,t.fill(0,a),this.padOffset>r-a&&(this.process(n,0),t.fill(0)),Ft(n,r-8,this.length*8,i),this.process(n,0),this.roundClean();let o=e===t?n:Gt(e),s=this.outputLen,c=s/4,l=this.get();if(s%4||c>l.length)throw Error(`invalid outputLen`);for(let e=0;e<c;e++)o.setUint32(4*e,l[e],i)}digest(){let{buffer:e,outputLen:t}=this;this.digestInto(e);let n=e.slice(0,t);return this.destroy(),n}_cloneIntoMeta(e){let{buffer:t,length:n,finished:r,destroyed:i,pos:a}=this;return e.destroyed=i,e.finished=r,e.length=n,e.pos=a,a&&e.buffer.set(t),e}clone(){return this._cloneInto()}},on=Uint32Array.from([0x6a09e667,0xbb67ae85,0x3c6ef372,0xa54ff53a,0x510e527f,0x9b05688c,528734635,0x5be0cd19]),sn=Uint32Array.from([0x428a2f98,0x71374491,0xb5c0fbcf,0xe9b5dba5,961987163,0x59f111f1,0x923f82a4,0xab1c5ed5,0xd807aa98,310598401,607225278,0x550c7dc3,0x72be5d74,0x80deb1fe,0x9bdc06a7,0xc19bf174,0xe49b69c1,0xefbe4786,0xfc19dc6,604807628,770255983,0x4a7484aa,0x5cb0a9dc,0x76f988da,0x983e5152,0xa831c66d,0xb00327c8,0xbf597fc7,0xc6e00bf3,0xd5a79147,0x6ca6351,338241895,666307205,773529912,0x4d2c6dfc,0x53380d13,0x650a7354,0x766a0abb,0x81c2c92e,0x92722c85,0xa2bfe8a1,0xa81a664b,0xc24b8b70,0xc76c51a3,0xd192e819,0xd6990624,0xf40e3585,275423344,430227734,506948616,659060556,883997877,958139571,0x4ed8aa4a,0x5b9cca4f,0x682e6ff3,0x748f82ee,0x78a5636f,0x84c87814,0x8cc70208,0x90befffa,0xa4506ceb,0xbef9a3f7,0xc67178f2]),cn=new Uint32Array(64),ln=class extends an{constructor(e,t){super(64,e,8,!1),J(this,`A`,0),J(this,`B`,0),J(this,`C`,0),J(this,`D`,0),J(this,`E`,0),J(this,`F`,0),J(this,`G`,0),J(this,`H`,0),this.A=t[0]|0,this.B=t[1]|0,this.C=t[2]|0,this.D=t[3]|0,this.E=t[4]|0,this.F=t[5]|0,this.G=t[6]|0,this.H=t[7]|0}get(){let{A:e,B:t,C:n,D:r,E:i,F:a,G:o,H:s}=this;return[e,t,n,r,i,a,o,s]}set(e,t,n,r,i,a,o,s){this.A=e|0,this.B=t|0,this.C=n|0,this.D=r|0,this.E=i|0,this.F=a|0,this.G=o|0,this.H=s|0}_cloneInto(e){return(e||(e=new this.constructor)).set(...this.get()),this._cloneIntoMeta(e)}process(e,t){for(let n=0;n<16;n++,t+=4)cn[n]=e.getUint32(t,!1);for(let e=16;e<64;e++){let t=cn[e-15],n=cn[e-2],r=q(t,7)^q(t,18)^t>>>3,i=q(n,17)^q(n,19)^n>>>10;cn[e]=i+cn[e-7]+r+cn[e-16]|0}let{A:n,B:r,C:i,D:a,E:o,F:s,G:c,H:l}=this;for(let e=0;e<64;e++){let t=q(o,6)^q(o,11)^q(o,25),u=l+t+nn(o,s,c)+sn[e]+cn[e]|0,d=(q(n,2)^q(n,13)^q(n,22))+rn(n,r,i)|0;l=c,c=s,s=o,o=a+u|0,a=i,i=r,r=n,n=u+d|0}n=n+this.A|0,r=r+this.B|0,i=i+this.C|0,a=a+this.D|0,o=o+this.E|0,s=s+this.F|0,c=c+this.G|0,l=l+this.H|0,this.set(n,r,i,a,o,s,c,l)}roundClean(){Wt(cn)}destroy(){this.destroyed=!0,this.set(0,0,0,0,0,0,0,0),Wt(this.buffer)}},un=class extends ln{constructor(){super(32,on)}},dn=Zt(()=>new un,Qt(1)),fn=new WeakMap;function pn(e){let t=fn.get(e);if(t)return t;let n=e.definitions.find(e=>e.kind===`OperationDefinition`);if(!n||n.kind!==`OperationDefinition`)throw Error(`A GraphQL document without an operation cannot be sent`);let r=Mt(e),i={text:r,hash:Jt(dn(Yt(r))),operationName:n.name?.value,kind:n.operation};return fn.set(e,i),i}function mn(e){return{persistedQuery:{version:1,sha256Hash:e}}}var hn=`/graphql`,gn=`application/graphql-response+json, application/json;q=0.9`,_n=new Set([`not_authenticated`,`UNAUTHENTICATED`,`NOT_AUTHENTICATED`]),vn=new Set([`PERSISTED_QUERY_NOT_FOUND`]),yn=class extends Error{constructor(e,t,n=[]){super(e),this.status=t,this.errors=n,this.name=`GraphQLFailure`}get code(){return this.errors.find(e=>e.extensions?.code)?.extensions?.code}},bn=()=>null,xn=()=>{},Sn=null;function Cn(e){bn=e.token,xn=e.unauthenticated}function wn(){let e=bn();return e?{Authorization:`Bearer ${e}`}:{}}function Tn(e,t){return e===401||(t??[]).some(e=>_n.has(e.extensions?.code??``))}function En(){xn()}function Dn(e){return e?.some(e=>e.code===`NOT_AUTHENTICATED`)&&xn(),e??[]}function On(e){return e?.length?e.some(e=>vn.has(e.extensions?.code??``)||e.message===`PersistedQueryNotFound`)?`not-found`:`no-apq`:null}function kn(e,t,n){let r=new URLSearchParams;return n&&r.set(`query`,e.text),e.operationName&&r.set(`operationName`,e.operationName),t&&Object.keys(t).length&&r.set(`variables`,JSON.stringify(t)),r.set(`extensions`,JSON.stringify(mn(e.hash))),`${hn}?${r.toString()}`}async function An(e,t,n,r){let i={Accept:gn,...wn()},a;if(e.kind===`query`)a=await fetch(kn(e,t,n),{method:`GET`,headers:i,signal:r});else{let o={operationName:e.operationName,variables:t??{},extensions:mn(e.hash)};n&&(o.query=e.text),a=await fetch(hn,{method:`POST`,headers:{...i,"Content-Type":`application/json`},body:JSON.stringify(o),signal:r})}let o;try{o=await a.json()}catch{o={errors:[{message:`The registry answered ${a.status} without GraphQL JSON`}]}}return{status:a.status,body:o}}async function jn(e,t,n={}){let r=pn(e),i=Sn===!1,a=await An(r,t,i,n.signal);if(!i){let e=a.body.data==null&&!Tn(a.status,a.body.errors)?On(a.body.errors):null;e?(a=await An(r,t,!0,n.signal),a.body.data!=null&&(Sn=e===`not-found`)):a.body.data!=null&&(Sn=!0)}return Tn(a.status,a.body.errors)&&xn(),a}async function Mn(e,t,n={}){let{status:r,body:i}=await jn(e,t,n);if(i.errors?.length||i.data==null)throw new yn(i.errors?.map(e=>e.message).join(`; `)||`Request failed (${r})`,r,i.errors);return i.data}var Nn=0,Pn=new Set;function Fn(){function e(e,t){var n=kt(e).definitions,r=new Set;for(var i of t||[])for(var a of i.definitions)a.kind===ft.FRAGMENT_DEFINITION&&!r.has(a)&&(n.push(a),r.add(a));var o;(o=n[0].kind===ft.FRAGMENT_DEFINITION)&&n[0].directives&&(n[0].directives=n[0].directives.filter((e=>e.name.value!==`_unmask`)));var s;return{kind:ft.DOCUMENT,definitions:n,get loc(){if(!s&&o){var n=e+function(e){try{Nn++;var t=``;for(var n of e)if(!Pn.has(n)){Pn.add(n);var{loc:r}=n;r&&(t+=r.source.body)}return t}finally{--Nn==0&&Pn.clear()}}(t||[]);return{start:0,end:n.length,source:{body:n,name:`GraphQLTada`,locationOffset:{line:1,column:1}}}}return s},set loc(e){s=e}}}return e.scalar=function(e,t){return t},e.persisted=function(e,t){return{kind:ft.DOCUMENT,definitions:t?t.definitions:[],documentId:e}},e}function In(...e){return e.length===2?e[1]:e[0]}Fn();var Y=Fn(),Ln=Y(`
  query Viewer {
    me {
      id
      userId
      username
      isAdmin
      scopes
      publisher {
        id
        name
        displayName
        verificationStatus
      }
    }
  }
`);function Rn(e,t=!1){t?window.history.replaceState(null,``,e):window.history.pushState(null,``,e),window.dispatchEvent(new PopStateEvent(`popstate`))}var zn=`tb-registry.token`,Bn=`/signin`,Vn={status:`anonymous`},Hn=new Set;function Un(e){Vn=e;for(let t of Hn)t(e)}function Wn(){try{return window.sessionStorage}catch{return null}}var Gn=null;function Kn(){return Wn()?.getItem(zn)??Gn}function qn(e){Gn=e;let t=Wn();t&&(e?t.setItem(zn,e):t.removeItem(zn))}function Jn(e){return e&&e.startsWith(`/`)&&!e.startsWith(`//`)&&!e.startsWith(`/signin`)?e:`/`}function Yn(e=window.location.pathname+window.location.search){return`${Bn}?next=${encodeURIComponent(Jn(e))}`}function Xn(){let e=Kn()!==null;qn(null),Un({status:`anonymous`}),e&&window.location.pathname!==`/signin`&&Rn(`${Yn()}&expired=1`)}Cn({token:Kn,unauthenticated:Xn});async function Zn(){return(await Mn(Ln,{})).me??null}async function Qn(e){let t=e.trim();if(!t)throw Error(`Paste a token first.`);if(t.length>4096||/\s/.test(t))throw Error(`That does not look like a token (no spaces, at most 4096 characters).`);qn(t),Un({status:`loading`});try{let e=await Zn();if(!e)throw Error(`The registry did not accept this token.`);return Un({status:`signed-in`,viewer:e}),e}catch(e){throw qn(null),Un({status:`anonymous`}),e instanceof Error&&e.message?e:Error(`The registry did not accept this token.`)}}function $n(){qn(null),Un({status:`anonymous`})}async function er(){if(Kn()){Un({status:`loading`});try{let e=await Zn();e?Un({status:`signed-in`,viewer:e}):Xn()}catch{Un({status:`anonymous`})}}}function tr(){let[e,t]=N(Vn);return je(()=>(Hn.add(t),t(Vn),()=>void Hn.delete(t)),[]),e}var nr=Symbol.for(`pv`),rr=0;Array.isArray;function X(t,n,r,i,a,o){n||(n={});var s,c,l=n;if(`ref`in l&&typeof t!=`function`)for(c in l={},n)c==`ref`?s=n[c]:l[c]=n[c];var u={type:t,props:l,key:r,ref:s,__k:null,__:null,__b:0,__e:null,__c:null,constructor:nr,__v:--rr,__i:-1,__u:0};return(a||o)&&(u.__source=a,u.__self=o),e.vnode&&e.vnode(u),u}function ir(){let e=tr();return e.status===`signed-in`?X(S,{children:[X(`a`,{href:`/my/packages`,children:`My packages`}),e.viewer.isAdmin&&X(`a`,{href:`/admin/quarantine`,children:`Admin`})]}):null}function ar({id:e,large:t=!1}){let n=F(),r=n.path===`/search`?n.query.q??``:``,[i,a]=N(r);return je(()=>a(r),[r]),X(`form`,{role:`search`,class:t?`search-box search-box-large`:`search-box`,action:`/search`,method:`get`,onSubmit:e=>{e.preventDefault();let t=i.trim();n.route(t?`/search?q=${encodeURIComponent(t)}`:`/search`)},children:[X(`label`,{for:e,class:`visually-hidden`,children:`Search packages`}),X(`input`,{id:e,name:`q`,type:`search`,placeholder:`Search mods, libraries, themes…`,maxLength:200,value:i,onInput:e=>a(e.currentTarget.value)}),X(`button`,{type:`submit`,class:`button button-primary`,children:`Search`})]})}function or(){let e=tr(),t=F();if(e.status===`loading`)return X(`span`,{class:`viewer`,children:`Signing in…`});if(e.status===`anonymous`)return t.path===`/signin`?null:X(`a`,{class:`button`,href:Yn(t.url),children:`Sign in`});let n=e.viewer;return X(`div`,{class:`viewer`,children:[X(`span`,{class:`viewer-name`,children:[`Signed in as `,X(`strong`,{children:n.username||n.userId}),n.isAdmin&&X(`span`,{class:`tag`,children:`admin`})]}),X(`button`,{type:`button`,class:`button`,onClick:()=>{$n(),t.route(`/`)},children:`Sign out`})]})}function sr({children:e}){let t=F();return X(S,{children:[X(`a`,{class:`skip-link`,href:`#main`,children:`Skip to content`}),X(`header`,{class:`site-header`,children:X(`div`,{class:`site-header-inner`,children:[X(`a`,{class:`site-title`,href:`/`,children:`TB Registry`}),t.path!==`/`&&X(ar,{id:`header-search`}),X(`nav`,{"aria-label":`Main`,class:`site-nav`,children:[X(`a`,{href:`/search`,children:`Browse`}),X(ir,{})]}),X(or,{})]})}),X(`main`,{id:`main`,tabIndex:-1,children:e}),X(`footer`,{class:`site-footer`,children:X(`p`,{children:[`TB Registry · `,X(`a`,{href:`/graphql`,children:`GraphQL API`}),` · `,X(`a`,{href:`/THIRD_PARTY_LICENSES.txt`,children:`Third-party licences`})]})})]})}function cr({label:e=`Loading`}){return X(`p`,{class:`loading`,role:`status`,"aria-live":`polite`,children:[e,`…`]})}function lr({error:e,retry:t}){return X(`div`,{class:`notice notice-error`,role:`alert`,children:[X(`p`,{children:e.message||`Something went wrong.`}),t&&X(`button`,{type:`button`,class:`button`,onClick:t,children:`Try again`})]})}function ur({kind:e=`info`,children:t}){return X(`div`,{class:`notice notice-${e}`,children:t})}function dr(e){Me(()=>{document.title=e?`${e} · TB Registry`:`TB Registry`},[e])}function fr({what:e=`page`}){return dr(`Not found`),X(`section`,{class:`not-found`,"aria-labelledby":`not-found-title`,children:[X(`h1`,{id:`not-found-title`,children:`Not found`}),X(`p`,{children:[`There is no `,e,` at this address, or you may not see it. Check the spelling, or sign in if it belongs to you.`]}),X(`p`,{children:[X(`a`,{class:`button button-primary`,href:`/search`,children:`Browse packages`}),` `,X(`a`,{class:`button`,href:`/`,children:`Home`})]})]})}var pr=Y(`
  fragment PackageCardFields on Package {
    id
    name
    displayName
    description
    packageType
    latestVersion
    totalDownloads
    updatedAt
    iconUrl
    status
    publisher {
      id
      name
      displayName
      verificationStatus
    }
  }
`),mr=Y(`
  query Home {
    categories {
      slug
      title
      description
      packageCount
    }
    popular: packages(sort: DOWNLOADS, first: 8) {
      totalCount
      edges { node { ...PackageCardFields } }
    }
    newest: packages(sort: CREATED, first: 8) {
      edges { node { ...PackageCardFields } }
    }
    updated: packages(sort: UPDATED, first: 8) {
      edges { node { ...PackageCardFields } }
    }
  }
`,[pr]),hr=Y(`
  query Search($search: String, $filter: PackageFilter, $sort: PackageSort!, $first: Int, $after: String) {
    packages(search: $search, filter: $filter, sort: $sort, first: $first, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...PackageCardFields } }
      facets {
        facet
        values { value count }
      }
    }
    categories { slug title }
  }
`,[pr]),gr=Y(`
  query PackagePage($name: String!) {
    package(name: $name) {
      id
      name
      displayName
      packageType
      visibility
      description
      homepage
      repository
      license
      keywords
      categories
      status
      deprecationMessage
      successor
      latestVersion
      totalDownloads
      createdAt
      updatedAt
      iconUrl
      readmeHtml
      publisher {
        id
        name
        displayName
        verificationStatus
      }
      versions(first: 50) {
        id
        version
        status
        yanked
        yankReason
        toolboxVersion
        pythonVersion
        sizeBytes
        downloads
        platforms
        publishedAt
        downloadUrl
        checksumSha256
        changelogHtml
        dependencies {
          id
          name
          versionSpec
          optional
          package { id name }
        }
      }
      usedBy(first: 10) { id name displayName }
    }
    categories { slug title }
    artifact(name: $name) {
      id
      name
      description
      homepage
      repository
      publisher {
        id
        name
        displayName
        verificationStatus
      }
      artifactType
      latestVersion
      versions {
        id
        version
        releasedAt
        builds {
          id
          platform
          architecture
          filename
          sizeBytes
          installerType
          downloads
          downloadUrl
        }
      }
    }
  }
`),_r=Y(`
  query PublisherPage($name: String!, $after: String) {
    publisher(name: $name) {
      id
      name
      displayName
      verificationStatus
      homepage
      github
      notice
      packageCount
      totalDownloads
      createdAt
      verifiedAt
      packages(first: 20, after: $after, sort: DOWNLOADS) {
        totalCount
        pageInfo { hasNextPage endCursor }
        edges { node { ...PackageCardFields } }
      }
    }
  }
`,[pr]),vr=Y(`
  query PackageDownloadStats($package: String!, $from: Date, $granularity: StatsGranularity!) {
    downloadStats(package: $package, from: $from, granularity: $granularity) {
      from
      to
      granularity
      total
      periods { start downloads }
    }
  }
`),yr=Y(`
  query ArtifactDownloadStats($name: String!, $from: Date, $granularity: StatsGranularity!) {
    artifact(name: $name) {
      id
      downloadStats(from: $from, granularity: $granularity) {
        from
        to
        granularity
        total
        periods { start downloads }
      }
    }
  }
`),br=new Intl.NumberFormat(`en`,{notation:`compact`,maximumFractionDigits:1}),xr=new Intl.NumberFormat(`en`);function Sr(e){return e<1e4?xr.format(e):br.format(e)}function Cr(e){return xr.format(e)}var wr=new Intl.PluralRules(`en`);function Z(e,t,n=Cr){return`${n(e)} ${t}${wr.select(e)===`one`?``:`s`}`}function Tr(e){let t=[`B`,`KiB`,`MiB`,`GiB`,`TiB`],n=e,r=0;for(;n>=1024&&r<t.length-1;)n/=1024,r+=1;return`${r===0?n:n.toFixed(1)} ${t[r]}`}function Er(e){if(!e)return``;let t=new Date(e);return Number.isNaN(t.getTime())?``:t.toISOString().slice(0,10)}function Q(e){return e.charAt(0).toUpperCase()+e.slice(1).toLowerCase().replace(/_/g,` `)}function Dr({name:e,url:t,size:n=48}){if(t)return X(`img`,{class:`package-icon`,src:t,alt:``,width:n,height:n,loading:`lazy`,decoding:`async`});let r=0;for(let t of e)r=(r*31+t.charCodeAt(0))%360;return X(`span`,{class:`package-icon package-icon-fallback hue-${Math.floor(r/30)}`,"aria-hidden":`true`,"data-size":n,children:e.charAt(0).toUpperCase()})}function Or({status:e}){return e===`VERIFIED`?X(`span`,{class:`badge badge-verified`,title:`Verified publisher`,children:[X(`svg`,{"aria-hidden":`true`,viewBox:`0 0 16 16`,width:`14`,height:`14`,children:[X(`path`,{fill:`currentColor`,d:`M8 0l2 2h3v3l2 3-2 3v3h-3l-2 2-2-2H3v-3L1 8l2-3V2h3z`}),X(`path`,{fill:`none`,stroke:`var(--badge-check)`,"stroke-width":`1.8`,d:`M5 8.2l2 2 4-4.4`})]}),`Verified`]}):null}function kr({publisher:e}){return X(`span`,{class:`publisher-link`,children:[X(`a`,{href:`/publishers/${encodeURIComponent(e.name)}`,children:e.displayName||e.name}),X(Or,{status:e.verificationStatus})]})}function Ar({data:e}){let t=In(pr,e);return X(`article`,{class:`package-card`,children:[X(Dr,{name:t.name,url:t.iconUrl}),X(`div`,{class:`package-card-body`,children:[X(`h3`,{class:`package-card-title`,children:[X(`a`,{href:`/packages/${encodeURIComponent(t.name)}`,children:t.displayName||t.name}),t.latestVersion&&X(`span`,{class:`version`,children:t.latestVersion})]}),X(`p`,{class:`package-card-description`,children:t.description||`No description.`}),X(`p`,{class:`package-card-meta`,children:[X(`span`,{class:`tag`,children:Q(t.packageType)}),t.status!==`ACTIVE`&&X(`span`,{class:`tag tag-warning`,children:Q(t.status)}),X(`span`,{children:[`by `,t.publisher.displayName||t.publisher.name,` `,X(Or,{status:t.publisher.verificationStatus})]}),X(`span`,{title:Z(t.totalDownloads,`download`),children:Z(t.totalDownloads,`download`,Sr)}),X(`span`,{class:`nowrap`,children:[`updated `,Er(t.updatedAt)]})]})]})]})}function jr({items:e,label:t}){return e.length?X(`ul`,{class:`package-list`,"aria-label":t,children:e.map(e=>X(`li`,{children:X(Ar,{data:e.node})},In(pr,e.node).id))}):X(`p`,{class:`empty`,children:`No packages yet.`})}function Mr(e,t,n={}){let r=JSON.stringify(t??{}),[i,a]=N({status:`loading`}),[o,s]=N(0);return je(()=>{if(n.skip)return;let r=new AbortController;return a(e=>e.status===`loading`?e:{status:`loading`}),Mn(e,t,{signal:r.signal}).then(e=>!r.signal.aborted&&a({status:`done`,data:e}),e=>{if(r.signal.aborted)return;let t=e instanceof yn?e:new yn(`The registry could not be reached.`,0);a({status:`error`,error:t})}),()=>r.abort()},[e,r,o,n.skip]),{...i,reload:()=>s(e=>e+1)}}function Nr(){dr(``);let e=Mr(mr,{});return X(S,{children:[X(`section`,{class:`hero`,"aria-labelledby":`home-title`,children:[X(`h1`,{id:`home-title`,children:`Mods, libraries and apps for ToolBoxV2`}),X(ar,{id:`home-search`,large:!0}),e.data&&X(`p`,{class:`hero-count`,children:Z(e.data.popular.totalCount,`package`,Sr)})]}),e.status===`loading`&&X(cr,{}),e.status===`error`&&X(lr,{error:e.error,retry:e.reload}),e.data&&X(`div`,{class:`home-grid`,children:[X(`section`,{"aria-labelledby":`home-categories`,class:`home-categories`,children:[X(`h2`,{id:`home-categories`,children:`Categories`}),X(`ul`,{class:`category-list`,children:e.data.categories.map(e=>X(`li`,{children:X(`a`,{href:`/search?category=${encodeURIComponent(e.slug)}`,title:e.description,children:[e.title,X(`span`,{class:`count`,children:Sr(e.packageCount)})]})},e.slug))})]}),X(`section`,{"aria-labelledby":`home-popular`,children:[X(`h2`,{id:`home-popular`,children:`Popular`}),X(jr,{items:e.data.popular.edges,label:`Popular packages`}),X(`a`,{href:`/search?sort=DOWNLOADS`,children:`All by downloads`})]}),X(`section`,{"aria-labelledby":`home-new`,children:[X(`h2`,{id:`home-new`,children:`New`}),X(jr,{items:e.data.newest.edges,label:`New packages`}),X(`a`,{href:`/search?sort=CREATED`,children:`All by creation date`})]}),X(`section`,{"aria-labelledby":`home-updated`,children:[X(`h2`,{id:`home-updated`,children:`Recently updated`}),X(jr,{items:e.data.updated.edges,label:`Recently updated packages`}),X(`a`,{href:`/search?sort=UPDATED`,children:`All by last update`})]})]})]})}function Pr({command:e,label:t}){let[n,r]=N(`idle`);return X(`div`,{class:`copy-command`,children:[X(`code`,{"aria-label":t,children:e}),X(`button`,{type:`button`,class:`button`,onClick:async()=>{try{await navigator.clipboard.writeText(e),r(`done`)}catch{r(`failed`)}},children:`Copy`}),X(`span`,{role:`status`,class:`copy-status`,children:n===`done`?`Copied`:n===`failed`?`Select the text to copy it`:``})]})}var Fr=[{granularity:`DAY`,label:`30 days`,daysBack:null},{granularity:`WEEK`,label:`12 weeks`,daysBack:83},{granularity:`MONTH`,label:`12 months`,daysBack:364}],Ir=600,Lr=180,Rr=2;function zr(e){let t=new Date;return t.setUTCDate(t.getUTCDate()-e),t.toISOString().slice(0,10)}function Br(e,t){return t===`MONTH`?e.slice(0,7):t===`WEEK`?`week of ${e}`:e}function Vr({name:e,subject:t=`package`}){let[n,r]=N(Fr[0]),i=n.daysBack===null?null:zr(n.daysBack),a=Mr(vr,{package:e,from:i,granularity:n.granularity},{skip:t!==`package`}),o=Mr(yr,{name:e,from:i,granularity:n.granularity},{skip:t!==`artifact`}),s=t===`package`?a:o,c=t===`package`?a.data?.downloadStats:o.data?.artifact?.downloadStats,l=c?.periods??[],u=Math.max(1,...l.map(e=>e.downloads)),d=l.length?Ir/l.length:Ir,f=c?`${Z(c.total,`download`)} from ${c.from} to ${c.to}, at most ${Cr(Math.max(0,...l.map(e=>e.downloads)))} in one ${n.granularity.toLowerCase()}`:``;return X(`section`,{class:`download-chart`,"aria-labelledby":`downloads-chart-heading`,children:[X(`div`,{class:`chart-head`,children:[X(`h2`,{id:`downloads-chart-heading`,children:`Downloads`}),X(`div`,{class:`chart-switch`,role:`group`,"aria-label":`Period`,children:Fr.map(e=>X(`button`,{type:`button`,class:`button button-small`,"aria-pressed":e===n,onClick:()=>r(e),children:e.label},e.granularity))})]}),s.status===`loading`&&X(`p`,{class:`muted chart-placeholder`,children:`Loading downloads…`}),s.status===`error`&&X(`p`,{class:`muted chart-placeholder`,children:`Download numbers are not available right now.`}),c&&X(S,{children:[X(`p`,{class:`chart-total`,children:[X(`strong`,{children:Cr(c.total)}),` `,X(`span`,{class:`muted`,children:[`in the last `,n.label]})]}),X(`svg`,{class:`chart`,viewBox:`0 0 ${Ir} ${Lr}`,role:`img`,"aria-label":f,"data-periods":l.length,children:[l.map((e,t)=>{let r=e.downloads?Math.max(2,e.downloads/u*176):0;return X(`rect`,{class:`chart-bar`,x:t*d+Rr/2,y:179-r,width:Math.max(1,d-Rr),height:r,"data-downloads":e.downloads,children:X(`title`,{children:[Br(e.start,n.granularity),`: `,Cr(e.downloads)]})},e.start)}),X(`line`,{class:`chart-axis`,x1:0,x2:Ir,y1:179.5,y2:179.5})]}),X(`p`,{class:`chart-range muted`,"aria-hidden":`true`,children:[X(`span`,{children:c.from}),X(`span`,{children:c.to})]}),X(`table`,{class:`visually-hidden`,children:[X(`caption`,{children:[`Downloads per `,n.granularity.toLowerCase()]}),X(`thead`,{children:X(`tr`,{children:[X(`th`,{scope:`col`,children:`Period`}),X(`th`,{scope:`col`,children:`Downloads`})]})}),X(`tbody`,{children:l.map(e=>X(`tr`,{children:[X(`td`,{children:Br(e.start,n.granularity)}),X(`td`,{children:e.downloads})]},e.start))})]})]})]})}var $=Y(`
  fragment UserErrorFields on UserError {
    field
    code
    message
  }
`),Hr=Y(`
  query MyPackages($after: String) {
    me {
      id
      publisher {
        id
        name
        displayName
        verificationStatus
        canPublishPublic
        packages(first: 50, after: $after, sort: UPDATED) {
          totalCount
          pageInfo { hasNextPage endCursor }
          edges {
            node {
              id
              name
              displayName
              description
              packageType
              visibility
              status
              latestVersion
              totalDownloads
              updatedAt
            }
          }
        }
      }
    }
    myPublisherInvitations {
      id
      publisherName
      role
      invitedBy
      expiresAt
    }
  }
`),Ur=Y(`
  query AuthorCategories {
    categories { slug title }
  }
`),Wr=Y(`
  mutation CreatePackage($input: CreatePackageInput!) {
    createPackage(input: $input) {
      package { id name }
      errors { ...UserErrorFields }
    }
  }
`,[$]),Gr=Y(`
  fragment AuthorVersionFields on PackageVersion {
    id
    version
    status
    yanked
    yankReason
    sizeBytes
    warnings
    createdAt
    publishedAt
    scanReport
  }
`),Kr=Y(`
  query ManagePackage($name: String!) {
    package(name: $name) {
      id
      name
      displayName
      packageType
      visibility
      description
      readme
      homepage
      repository
      license
      keywords
      categories
      status
      deprecationMessage
      successor
      latestVersion
      publisher { id name displayName verificationStatus canPublishPublic }
      versions(first: 100) { ...AuthorVersionFields }
    }
    categories { slug title }
  }
`,[Gr]),qr=Y(`
  mutation UpdatePackage($name: String!, $input: UpdatePackageInput!) {
    updatePackage(name: $name, input: $input) {
      package { id name visibility status updatedAt }
      errors { ...UserErrorFields }
    }
  }
`,[$]),Jr=Y(`
  mutation YankVersion($package: String!, $version: String!, $reason: String!) {
    yankVersion(package: $package, version: $version, reason: $reason) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,[Gr,$]),Yr=Y(`
  mutation UnyankVersion($package: String!, $version: String!) {
    unyankVersion(package: $package, version: $version) {
      version { ...AuthorVersionFields }
      errors { ...UserErrorFields }
    }
  }
`,[Gr,$]),Xr=Y(`
  mutation PublishVersion($package: String!, $input: PublishVersionInput!, $file: Upload!) {
    publishVersion(package: $package, input: $input, file: $file) {
      version { ...AuthorVersionFields }
      warnings
      errors { ...UserErrorFields }
    }
  }
`,[Gr,$]),Zr=Y(`
  query VersionStatus($package: String!, $version: String!) {
    version(package: $package, version: $version) { ...AuthorVersionFields }
  }
`,[Gr]),Qr=Y(`
  subscription VersionStatusChanged($package: String!) {
    versionStatusChanged(package: $package) {
      status
      rule
      version { ...AuthorVersionFields }
    }
  }
`,[Gr]),$r=Y(`
  fragment ApiTokenFields on ApiToken {
    id
    tokenId
    name
    scopes
    packageGlobs
    expiresAt
    lastUsedAt
    revokedAt
    createdAt
  }
`),ei=Y(`
  query ApiTokens {
    me { id scopes tokens { ...ApiTokenFields } }
  }
`,[$r]),ti=Y(`
  mutation CreateApiToken($input: CreateApiTokenInput!) {
    createApiToken(input: $input) {
      token { ...ApiTokenFields }
      plaintext
      errors { ...UserErrorFields }
    }
  }
`,[$r,$]),ni=Y(`
  mutation RevokeApiToken($id: ID!) {
    revokeApiToken(id: $id) {
      token { ...ApiTokenFields }
      errors { ...UserErrorFields }
    }
  }
`,[$r,$]),ri=Y(`
  query MyPublisher {
    me {
      id
      userId
      username
      publisher {
        id
        name
        displayName
        verificationStatus
        verificationNotes
        verifiedAt
        homepage
        github
        canPublishPublic
        verificationRequest {
          id
          method
          data
          state
          challenge
          checkResult
          submittedAt
          checkedAt
        }
        members { userId username role addedAt }
        invitations { id userId username role state expiresAt }
      }
    }
  }
`),ii=Y(`
  mutation RegisterPublisher($input: RegisterPublisherInput!) {
    registerPublisher(input: $input) {
      publisher { id name }
      errors { ...UserErrorFields }
    }
  }
`,[$]),ai=Y(`
  mutation IssueVerificationChallenge {
    issueVerificationChallenge {
      challenge
      expiresAt
      userId
      errors { ...UserErrorFields }
    }
  }
`,[$]),oi=Y(`
  mutation RequestVerification($method: VerificationMethod!, $data: JSON!) {
    requestVerification(method: $method, data: $data) {
      publisher { id verificationStatus }
      message
      instructions
      challenge
      challengeExpiresAt
      errors { ...UserErrorFields }
    }
  }
`,[$]),si=Y(`
  mutation InvitePublisherMember($publisher: String!, $username: String, $userId: String, $role: String!) {
    invitePublisherMember(publisher: $publisher, username: $username, userId: $userId, role: $role) {
      invitation { id }
      errors { ...UserErrorFields }
    }
  }
`,[$]),ci=Y(`
  mutation CancelPublisherInvitation($publisher: String!, $id: String!) {
    cancelPublisherInvitation(publisher: $publisher, id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[$]),li=Y(`
  mutation RemovePublisherMember($publisher: String!, $userId: String!) {
    removePublisherMember(publisher: $publisher, userId: $userId) {
      removedUserId
      errors { ...UserErrorFields }
    }
  }
`,[$]),ui=Y(`
  mutation AcceptPublisherInvitation($id: String!) {
    acceptPublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[$]),di=Y(`
  mutation DeclinePublisherInvitation($id: String!) {
    declinePublisherInvitation(id: $id) {
      invitation { id state }
      errors { ...UserErrorFields }
    }
  }
`,[$]),fi=Y(`
  fragment PackageTransferFields on PackageTransfer {
    id
    package
    fromPublisher
    toPublisher
    state
    createdAt
    expiresAt
  }
`),pi=Y(`
  query PackageTransfers($publisher: String!) {
    packageTransfers(publisher: $publisher, direction: BOTH) { ...PackageTransferFields }
  }
`,[fi]),mi=Y(`
  mutation RequestPackageTransfer($package: String!, $toPublisher: String!) {
    requestPackageTransfer(package: $package, toPublisher: $toPublisher) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[fi,$]),hi=Y(`
  mutation AcceptPackageTransfer($id: String!) {
    acceptPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[fi,$]),gi=Y(`
  mutation DeclinePackageTransfer($id: String!) {
    declinePackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[fi,$]),_i=Y(`
  mutation CancelPackageTransfer($id: String!) {
    cancelPackageTransfer(id: $id) {
      transfer { ...PackageTransferFields }
      errors { ...UserErrorFields }
    }
  }
`,[fi,$]),vi=Y(`
  fragment AbuseReportFields on AbuseReport {
    id
    package
    version
    reason
    details
    state
    action
    reporterId
    createdAt
    resolvedAt
    resolvedBy
    resolutionNote
  }
`),yi=Y(`
  mutation ReportPackage($package: String!, $reason: ReportReason!, $details: String!, $version: String) {
    reportPackage(package: $package, reason: $reason, details: $details, version: $version) {
      report { ...AbuseReportFields }
      errors { ...UserErrorFields }
    }
  }
`,[vi,$]),bi=Y(`
  query AbuseReports($state: ReportState, $after: String) {
    abuseReports(state: $state, first: 20, after: $after) {
      totalCount
      pageInfo { hasNextPage endCursor }
      edges { node { ...AbuseReportFields } }
    }
  }
`,[vi]),xi=Y(`
  mutation DismissReport($id: ID!, $note: String!) {
    dismissReport(id: $id, note: $note) {
      report { ...AbuseReportFields }
      errors { ...UserErrorFields }
    }
  }
`,[vi,$]),Si=Y(`
  mutation QuarantineReportedVersion($id: ID!, $note: String!, $version: String) {
    quarantineReportedVersion(id: $id, note: $note, version: $version) {
      report { ...AbuseReportFields }
      version { id version status }
      newlyQuarantined
      resolvedCount
      errors { ...UserErrorFields }
    }
  }
`,[vi,$]);function Ci(e){return Dn(In($,e??[])).map(e=>({field:e.field??null,message:e.message}))}function wi(e){return e instanceof yn?e.message||`The registry refused the request.`:`The registry could not be reached.`}function Ti(){let[e,t]=N(!1),[n,r]=N([]);async function i(n,i){if(e)return null;t(!0),r([]);try{let e=await n(),t=Ci(i(e));return r(t),t.length?null:e}catch(e){return r([{field:null,message:wi(e)}]),null}finally{t(!1)}}return{busy:e,errors:n,wrap:i,run:(e,t,n)=>i(()=>Mn(e,t),n),clear:()=>r([])}}function Ei({errors:e,id:t}){return e.length?X(`div`,{class:`notice notice-error`,role:`alert`,id:t,children:e.map((e,t)=>X(`p`,{children:[e.field&&X(`strong`,{children:[e.field,`: `]}),e.message]},t))}):null}var Di=[{value:`MALWARE`,label:`Malicious code`},{value:`ABUSE`,label:`Abusive or harmful content`},{value:`SPAM`,label:`Spam or junk`},{value:`COPYRIGHT`,label:`Copyright infringement`},{value:`IMPERSONATION`,label:`Poses as someone else`},{value:`OTHER`,label:`Something else`}],Oi=4e3;function ki({name:e,versions:t}){let n=tr(),r=Ti(),[i,a]=N(`MALWARE`),[o,s]=N(``),[c,l]=N(``),[u,d]=N(!1);return n.status===`loading`?null:n.status===`anonymous`?X(`p`,{class:`report-link`,children:X(`a`,{href:Yn(),children:`Sign in to report this package`})}):X(`details`,{class:`report`,children:[X(`summary`,{children:`Report this package`}),u?X(`p`,{class:`success`,role:`status`,children:`Thank you: your report is with the admins.`}):X(`form`,{class:`form`,"aria-label":`Report ${e}`,onSubmit:async t=>{t.preventDefault();let n={package:e,reason:i,details:c.trim(),version:o||null};await r.run(yi,n,e=>e.reportPackage?.errors)&&d(!0)},children:[X(`div`,{class:`field`,children:[X(`label`,{for:`report-reason`,children:`Why`}),X(`select`,{id:`report-reason`,value:i,onChange:e=>a(e.currentTarget.value),children:Di.map(e=>X(`option`,{value:e.value,children:e.label},e.value))})]}),t.length>0&&X(`div`,{class:`field`,children:[X(`label`,{for:`report-version`,children:`Which version`}),X(`select`,{id:`report-version`,value:o,onChange:e=>s(e.currentTarget.value),children:[X(`option`,{value:``,children:`The whole package`}),t.map(e=>X(`option`,{value:e,children:e},e))]})]}),X(`div`,{class:`field`,children:[X(`label`,{for:`report-details`,children:`What is wrong`}),X(`textarea`,{id:`report-details`,rows:4,required:!0,maxLength:Oi,value:c,onInput:e=>l(e.currentTarget.value)})]}),X(Ei,{errors:r.errors}),X(`button`,{type:`submit`,class:`button`,disabled:r.busy,children:r.busy?`Sending…`:`Send report`})]})]})}function Ai({url:e}){let t=null;try{t=new URL(e)}catch{t=null}return!t||t.protocol!==`https:`&&t.protocol!==`http:`?X(`span`,{children:e}):X(`a`,{href:t.href,rel:`noopener noreferrer nofollow`,children:e.replace(/^https?:\/\//,``)})}function ji(e,t){return e.replace(/<(\/?)h([1-6])(?=[\s>])/gi,(e,n,r)=>`<${n}h${Math.min(6,Number(r)+t)}`)}function Mi(e,t){let n=/^\s*<h([1-6])(?:\s[^>]*)?>([^<]*)<\/h\1>/i.exec(e);return!n||n[2].trim().toLowerCase()!==t.toLowerCase()?e:e.slice(n[0].length)}function Ni({html:e,demote:t,class:n=``}){return X(`div`,{class:`prose ${n}`.trim(),dangerouslySetInnerHTML:{__html:ji(e,t)}})}function Pi(){let e=`${navigator.userAgentData?.platform??``} ${navigator.userAgent}`.toLowerCase();return/android/.test(e)?`android`:/iphone|ipad|ipod|ios/.test(e)?`ios`:/windows|win32|win64/.test(e)?`windows`:/mac ?os|macintosh|darwin/.test(e)?`macos`:/linux|x11|cros/.test(e)?`linux`:null}function Fi(e,t=Pi()){let n=e=>e.platform===t?0:e.platform===`all`?1:2;return[...e].sort((e,t)=>n(e)-n(t))}var Ii={all:`All platforms`,windows:`Windows`,linux:`Linux`,macos:`macOS`,android:`Android`,ios:`iOS`},Li=50,Ri=e=>`/api/v1/feeds/packages/${encodeURIComponent(e)}.atom`,zi=e=>`tb -c CloudM ModManager install ${e}`;function Bi({pkg:e}){return e.status===`ACTIVE`?null:X(ur,{kind:`warning`,children:[X(`p`,{children:[X(`strong`,{children:[e.status===`ARCHIVED`?`This package is archived`:`This package is deprecated`,`.`]}),` `,e.deprecationMessage]}),e.successor&&X(`p`,{children:[`Use `,X(`a`,{href:`/packages/${encodeURIComponent(e.successor)}`,children:e.successor}),` instead.`]})]})}function Vi({version:e}){return e.dependencies.length?X(`ul`,{class:`dependency-list`,children:e.dependencies.map(e=>X(`li`,{children:[e.package?X(`a`,{href:`/packages/${encodeURIComponent(e.package.name)}`,children:e.name}):X(`span`,{children:e.name}),` `,X(`code`,{children:e.versionSpec||`*`}),e.optional&&X(`span`,{class:`tag`,children:`optional`})]},e.id))}):X(`p`,{class:`muted`,children:`No dependencies.`})}function Hi({pkg:e}){return e.versions.length?X(S,{children:[e.versions.length>=Li&&X(`p`,{class:`muted`,children:[`The `,Li,` newest versions.`]}),X(`ol`,{class:`version-list`,children:e.versions.map(t=>X(`li`,{class:t.yanked?`version-item yanked`:`version-item`,children:X(`details`,{open:t.version===e.latestVersion,children:[X(`summary`,{children:[X(`span`,{class:`version-number`,children:t.version}),t.version===e.latestVersion&&X(`span`,{class:`tag tag-accent`,children:`latest`}),t.yanked&&X(`span`,{class:`tag tag-warning`,children:`yanked`}),t.status!==`PUBLISHED`&&X(`span`,{class:`tag tag-warning`,children:Q(t.status)}),X(`span`,{class:`muted`,children:[Er(t.publishedAt),` · `,Z(t.downloads,`download`)]})]}),X(`div`,{class:`version-body`,children:[t.yanked&&t.yankReason&&X(`p`,{class:`muted`,children:[`Yanked: `,t.yankReason]}),X(`dl`,{class:`facts`,children:[t.toolboxVersion&&X(S,{children:[X(`dt`,{children:`ToolBoxV2`}),X(`dd`,{children:t.toolboxVersion})]}),t.pythonVersion&&X(S,{children:[X(`dt`,{children:`Python`}),X(`dd`,{children:t.pythonVersion})]}),X(`dt`,{children:`Size`}),X(`dd`,{children:Tr(t.sizeBytes)}),t.platforms.length>0&&X(S,{children:[X(`dt`,{children:`Platforms`}),X(`dd`,{children:Fi(t.platforms.map(e=>({platform:e}))).map(e=>Ii[e.platform]??e.platform).join(`, `)})]}),X(`dt`,{children:`SHA-256`}),X(`dd`,{children:X(`code`,{class:`hash`,children:t.checksumSha256})})]}),X(`h4`,{children:`Dependencies`}),X(Vi,{version:t}),t.changelogHtml&&X(S,{children:[X(`h4`,{children:`Changelog`}),X(Ni,{html:Mi(t.changelogHtml,`Changelog`),demote:4})]}),t.downloadUrl&&X(`p`,{children:X(`a`,{class:`button`,href:t.downloadUrl,download:!0,children:[`Download `,t.version]})})]})]})},t.id))})]}):X(`p`,{class:`muted`,children:`No published version yet.`})}function Ui({artifact:e}){let t=Pi(),n=e.versions.find(t=>t.version===e.latestVersion)??e.versions[0];if(!n)return null;let r=Fi(n.builds,t);return X(`section`,{"aria-labelledby":`builds-heading`,class:`builds`,children:[X(`h2`,{id:`builds-heading`,children:[`Downloads for `,n.version]}),r.length?X(`ul`,{class:`build-list`,children:r.map((e,n)=>X(`li`,{class:n===0&&e.platform===t?`build recommended`:`build`,children:[X(`a`,{class:n===0?`button button-primary`:`button`,href:e.downloadUrl,download:!0,children:[Ii[e.platform]??e.platform,` · `,e.architecture]}),X(`span`,{class:`muted`,children:[e.filename,` · `,Tr(e.sizeBytes),` · `,Z(e.downloads,`download`),n===0&&e.platform===t&&` · your platform`]})]},e.id))}):X(`p`,{class:`muted`,children:`No builds for this version yet.`})]})}function Wi({pkg:e}){let t=e.versions.find(t=>t.version===e.latestVersion);return X(`section`,{class:`package-install`,"aria-labelledby":`install-heading`,children:[X(`h2`,{id:`install-heading`,children:`Install`}),X(Pr,{command:zi(e.name),label:`Install command`}),t?.downloadUrl&&X(`p`,{children:X(`a`,{class:`button button-primary`,href:t.downloadUrl,download:!0,children:[`Download `,e.latestVersion,` (`,Tr(t.sizeBytes),`)`]})})]})}function Gi({pkg:e,categoryTitles:t}){return X(`aside`,{class:`package-sidebar`,"aria-label":`About this package`,children:[X(`dl`,{class:`facts`,children:[X(`dt`,{children:`Publisher`}),X(`dd`,{children:X(kr,{publisher:e.publisher})}),X(`dt`,{children:`Downloads`}),X(`dd`,{children:Cr(e.totalDownloads)}),X(`dt`,{children:`Type`}),X(`dd`,{children:Q(e.packageType)}),e.license&&X(S,{children:[X(`dt`,{children:`Licence`}),X(`dd`,{children:e.license})]}),X(`dt`,{children:`Updated`}),X(`dd`,{children:Er(e.updatedAt)}),e.homepage&&X(S,{children:[X(`dt`,{children:`Homepage`}),X(`dd`,{children:X(Ai,{url:e.homepage})})]}),e.repository&&X(S,{children:[X(`dt`,{children:`Repository`}),X(`dd`,{children:X(Ai,{url:e.repository})})]})]}),X(Vr,{name:e.name}),e.categories.length>0&&X(`section`,{"aria-labelledby":`categories-heading`,children:[X(`h2`,{id:`categories-heading`,children:`Categories`}),X(`ul`,{class:`tag-list`,children:e.categories.map(e=>X(`li`,{children:X(`a`,{class:`tag`,href:`/search?category=${encodeURIComponent(e)}`,children:t.get(e)??e})},e))})]}),e.keywords.length>0&&X(`section`,{"aria-labelledby":`keywords-heading`,children:[X(`h2`,{id:`keywords-heading`,children:`Keywords`}),X(`ul`,{class:`tag-list`,children:e.keywords.map(e=>X(`li`,{children:X(`a`,{class:`tag`,href:`/search?q=${encodeURIComponent(e)}`,children:e})},e))})]}),e.usedBy.length>0&&X(`section`,{"aria-labelledby":`used-by-heading`,children:[X(`h2`,{id:`used-by-heading`,children:`Used by`}),X(`ul`,{children:e.usedBy.map(e=>X(`li`,{children:X(`a`,{href:`/packages/${encodeURIComponent(e.name)}`,children:e.displayName||e.name})},e.id))})]}),X(ki,{name:e.name,versions:e.versions.map(e=>e.version)})]})}function Ki({name:e}){let t=Mr(gr,{name:e}),n=t.data?.package,r=t.data?.artifact;if(dr(n?.displayName||n?.name||r?.name||(t.status===`done`?`Not found`:e)),t.status===`loading`)return X(cr,{});if(t.status===`error`)return X(lr,{error:t.error,retry:t.reload});if(!n&&!r)return X(fr,{what:`package`});if(!n&&r)return X(`article`,{class:`package-page`,children:[X(`header`,{class:`package-header`,children:[X(Dr,{name:r.name,url:null,size:64}),X(`div`,{children:[X(`h1`,{children:r.name}),X(`p`,{class:`lead`,children:r.description}),X(`p`,{class:`muted`,children:[Q(r.artifactType),` by `,X(kr,{publisher:r.publisher})]})]})]}),X(`div`,{class:`package-layout`,children:[X(`div`,{class:`package-main`,children:X(Ui,{artifact:r})}),X(`aside`,{class:`package-sidebar`,"aria-label":`About this artifact`,children:X(Vr,{name:r.name,subject:`artifact`})})]})]});let i=n;return X(`article`,{class:`package-page`,children:[X(`header`,{class:`package-header`,children:[X(Dr,{name:i.name,url:i.iconUrl,size:64}),X(`div`,{children:[X(`h1`,{children:[i.displayName||i.name,` `,i.latestVersion&&X(`span`,{class:`version`,children:i.latestVersion})]}),X(`p`,{class:`lead`,children:i.description}),X(`p`,{class:`muted`,children:[X(`code`,{children:i.name}),` · `,Q(i.packageType),` by `,X(kr,{publisher:i.publisher}),` ·`,` `,Z(i.totalDownloads,`download`,Sr),` ·`,` `,X(`a`,{href:Ri(i.name),type:`application/atom+xml`,children:`Atom feed`}),i.visibility!==`PUBLIC`&&X(`span`,{class:`tag tag-warning`,children:Q(i.visibility)})]})]})]}),X(Bi,{pkg:i}),X(`div`,{class:`package-layout`,children:[X(Wi,{pkg:i}),X(`div`,{class:`package-main`,children:[r&&X(Ui,{artifact:r}),X(`section`,{"aria-labelledby":`readme-heading`,children:[X(`h2`,{id:`readme-heading`,class:`visually-hidden`,children:`README`}),i.readmeHtml?X(Ni,{html:i.readmeHtml,demote:2,class:`readme`}):X(`p`,{class:`muted`,children:`This package has no README.`})]}),X(`section`,{"aria-labelledby":`versions-heading`,children:[X(`h2`,{id:`versions-heading`,children:`Versions`}),X(Hi,{pkg:i})]})]}),X(Gi,{pkg:i,categoryTitles:new Map(t.data.categories.map(e=>[e.slug,e.title]))})]})]})}function qi({name:e}){let{query:t,path:n}=F(),r=(t.after??``).split(`.`).filter(Boolean).slice(-50),i=Mr(_r,{name:e,after:r[r.length-1]??null}),a=i.data?.publisher;if(dr(a?.displayName||a?.name||(i.status===`done`?`Not found`:e)),i.status===`loading`)return X(cr,{});if(i.status===`error`)return X(lr,{error:i.error,retry:i.reload});if(!a)return X(fr,{what:`publisher`});let o=e=>e.length?`${n}?after=${e.join(`.`)}`:n;return X(`article`,{class:`publisher-page`,children:[X(`header`,{children:[X(`h1`,{children:[a.displayName||a.name,` `,X(Or,{status:a.verificationStatus})]}),X(`p`,{class:`muted`,children:[X(`code`,{children:a.name}),` · `,Q(a.verificationStatus),a.verifiedAt&&X(`span`,{class:`nowrap`,children:[` since `,Er(a.verifiedAt)]}),` ·`,` `,X(`span`,{class:`nowrap`,children:[`joined `,Er(a.createdAt)]})]}),a.notice&&X(ur,{kind:`warning`,children:a.notice}),X(`dl`,{class:`facts facts-inline`,children:[X(`dt`,{children:`Packages`}),X(`dd`,{children:Cr(a.packageCount)}),X(`dt`,{children:`Downloads`}),X(`dd`,{children:Cr(a.totalDownloads)}),a.homepage&&X(S,{children:[X(`dt`,{children:`Homepage`}),X(`dd`,{children:X(Ai,{url:a.homepage})})]}),a.github&&X(S,{children:[X(`dt`,{children:`GitHub`}),X(`dd`,{children:X(`a`,{href:`https://github.com/${encodeURIComponent(a.github)}`,rel:`noopener noreferrer nofollow`,children:a.github})})]})]})]}),X(`section`,{"aria-labelledby":`publisher-packages`,children:[X(`h2`,{id:`publisher-packages`,children:`Packages`}),X(jr,{items:a.packages.edges,label:`Packages by ${a.displayName||a.name}`}),X(`nav`,{class:`pagination`,"aria-label":`Pages`,children:[r.length>0&&X(`a`,{class:`button`,rel:`prev`,href:o(r.slice(0,-1)),children:`Previous page`}),a.packages.pageInfo.hasNextPage&&a.packages.pageInfo.endCursor&&X(`a`,{class:`button`,rel:`next`,href:o([...r,a.packages.pageInfo.endCursor]),children:`Next page`})]})]})]})}function Ji(e){let[t,n]=N(()=>window.matchMedia(e).matches);return je(()=>{let t=window.matchMedia(e),r=()=>n(t.matches);return r(),t.addEventListener(`change`,r),()=>t.removeEventListener(`change`,r)},[e]),t}var Yi=20,Xi=[{value:`RELEVANCE`,label:`Best match`},{value:`DOWNLOADS`,label:`Most downloaded`},{value:`UPDATED`,label:`Recently updated`},{value:`CREATED`,label:`Newest`},{value:`NAME`,label:`Name`}],Zi=[`MOD`,`LIBRARY`,`THEME`,`PLUGIN`,`ARTIFACT`,`WIDGET`,`FEATURE`],Qi={type:{param:`type`,label:`Type`},category:{param:`category`,label:`Category`},toolbox:{param:`toolbox`,label:`ToolBoxV2 version`},platform:{param:`platform`,label:`Platform`},architecture:{param:`architecture`,label:`Architecture`},verified:{param:`verified`,label:`Publisher`}},$i=[`type`,`category`,`toolbox`,`platform`,`architecture`,`verified`];function ea(e){let t={},n=e.type?.toUpperCase();return n&&Zi.includes(n)&&(t.type=n),e.category&&(t.category=e.category),e.toolbox&&(t.toolboxVersion=e.toolbox),e.platform&&(t.platform=e.platform),e.architecture&&(t.architecture=e.architecture),(e.verified===`true`||e.verified===`false`)&&(t.verified=e.verified===`true`),t}function ta(e){return Xi.find(t=>t.value===e)?.value??`RELEVANCE`}function na(e,t){let n=new URLSearchParams,r={...e,...t};`after`in t||delete r.after;for(let[e,t]of Object.entries(r))t&&n.set(e,t);let i=n.toString();return i?`/search?${i}`:`/search`}function ra(e,t,n){return e===`type`?Q(t):e===`category`?n.get(t)??t:e===`verified`?t===`true`?`Verified`:`Not verified`:t}function ia(){let{query:e}=F(),t=(e.q??``).slice(0,200),n=ta(e.sort),r=ea(e),i=(e.after??``).split(`.`).filter(Boolean).slice(-50),a=i.length+1;dr(t?`Search: ${t}`:`Browse packages`);let o=Mr(hr,{search:t||null,filter:r,sort:n,first:Yi,after:i[i.length-1]??null}),s=new Map((o.data?.categories??[]).map(e=>[e.slug,e.title])),c=o.data?.packages,l=$i.filter(t=>e[t]),u=Ji(`(min-width: 900px)`);return X(`div`,{class:`search-page`,children:[X(`h1`,{children:t?`Results for “${t}”`:`Browse packages`}),X(`div`,{class:`search-layout`,children:[X(`aside`,{class:`facets`,"aria-label":`Filters`,children:X(`details`,{class:`facets-toggle`,open:u,children:[X(`summary`,{children:[`Filters`,l.length>0&&` (${l.length} active)`]}),l.length>0&&X(`p`,{children:X(`a`,{href:na({q:t,sort:e.sort??``},{}),children:`Clear all filters`})}),X(`div`,{class:`facet-groups`,children:c?.facets.map(t=>{let n=Qi[t.facet];if(!n||!t.values.length)return null;let r=e[n.param];return X(`section`,{class:`facet`,"aria-labelledby":`facet-${t.facet}`,children:[X(`h2`,{id:`facet-${t.facet}`,children:n.label}),X(`ul`,{children:t.values.map(i=>{let a=r?.toLowerCase()===i.value.toLowerCase();return X(`li`,{children:X(`a`,{href:na(e,{[n.param]:a?void 0:i.value}),"aria-current":a?`true`:void 0,class:a?`facet-value active`:`facet-value`,children:[X(`span`,{children:ra(t.facet,i.value,s)}),X(`span`,{class:`count`,children:Sr(i.count)})]})},i.value)})})]},t.facet)})})]})}),X(`section`,{class:`results`,"aria-labelledby":`results-heading`,children:[X(`div`,{class:`results-bar`,children:[X(`h2`,{id:`results-heading`,"aria-live":`polite`,children:[c?Z(c.totalCount,`package`,Sr):`Packages`,a>1&&`, page ${a}`]}),X(`label`,{class:`sort`,children:[`Sort by`,` `,X(`select`,{value:n,onChange:t=>{Rn(na(e,{sort:t.currentTarget.value===`RELEVANCE`?void 0:t.currentTarget.value}))},children:Xi.map(e=>X(`option`,{value:e.value,children:e.label},e.value))})]})]}),o.status===`loading`&&X(cr,{label:`Searching`}),o.status===`error`&&X(lr,{error:o.error,retry:o.reload}),c&&X(S,{children:[c.edges.length?X(jr,{items:c.edges,label:`Search results`}):X(`p`,{class:`empty`,children:`No package matches. Try fewer words or clear a filter.`}),X(`nav`,{class:`pagination`,"aria-label":`Pages`,children:[a>1&&X(`a`,{class:`button`,rel:`prev`,href:na(e,{after:i.slice(0,-1).join(`.`)||void 0}),children:`Previous page`}),c.pageInfo.hasNextPage&&c.pageInfo.endCursor&&X(`a`,{class:`button`,rel:`next`,href:na(e,{after:[...i,c.pageInfo.endCursor].join(`.`)}),children:`Next page`})]})]})]})]})]})}function aa(){dr(`Sign in`);let e=F(),t=tr(),[n,r]=N(``),[i,a]=N(``),[o,s]=N(!1),c=Jn(e.query.next);return X(`section`,{class:`narrow`,"aria-labelledby":`signin-title`,children:[X(`h1`,{id:`signin-title`,children:`Sign in`}),e.query.expired&&X(ur,{kind:`warning`,children:X(`p`,{children:`Your token was refused or has expired. Sign in again to continue where you were.`})}),t.status===`signed-in`&&X(ur,{children:X(`p`,{children:[`You are signed in as `,X(`strong`,{children:t.viewer.username}),`. `,X(`a`,{href:c,children:`Continue`})]})}),X(`p`,{children:`Paste a token. It stays in this browser tab only (session storage) and is sent to this registry alone.`}),X(`ul`,{children:[X(`li`,{children:[`A `,X(`strong`,{children:`CloudM access token`}),`: the access token of your ToolBoxV2 (CloudM) sign-in, the one the ModManager sends. On a development registry, `,X(`code`,{children:`tb-registry dev-token USER_ID USERNAME`}),` prints one.`]}),X(`li`,{children:[`A registry `,X(`strong`,{children:`API token`}),` (starts with `,X(`code`,{children:`tbr_`}),`): created on the API tokens page after signing in once, or with `,X(`code`,{children:`POST /api/v1/tokens`}),`.`]})]}),X(`form`,{class:`form`,onSubmit:async t=>{t.preventDefault(),s(!0),a(``);try{await Qn(n),e.route(c,!0)}catch(e){a(e instanceof Error?e.message:`The registry did not accept this token.`)}finally{s(!1)}},children:[X(`label`,{for:`token`,children:`Token`}),X(`input`,{id:`token`,name:`token`,type:`password`,autoComplete:`off`,spellcheck:!1,required:!0,maxLength:4096,value:n,"aria-invalid":i?`true`:void 0,"aria-describedby":i?`token-error`:void 0,onInput:e=>r(e.currentTarget.value)}),i&&X(`p`,{id:`token-error`,class:`field-error`,role:`alert`,children:i}),X(`button`,{type:`submit`,class:`button button-primary`,disabled:o,children:o?`Checking…`:`Sign in`})]})]})}var oa=[{path:`/admin`,component:I(()=>L(()=>import(`./Quarantine-Cib1qp6S.js`),__vite__mapDeps([0,1,2,3,4,5]))),requiresAdmin:!0},{path:`/admin/quarantine`,component:I(()=>L(()=>import(`./Quarantine-Cib1qp6S.js`),__vite__mapDeps([0,1,2,3,4,5]))),requiresAdmin:!0},{path:`/admin/reports`,component:I(()=>L(()=>import(`./Reports-C4nxo68W.js`),__vite__mapDeps([6,1,3,4]))),requiresAdmin:!0},{path:`/admin/verifications`,component:I(()=>L(()=>import(`./Verifications-BQoMT8Po.js`),__vite__mapDeps([7,1,3,4,5]))),requiresAdmin:!0},{path:`/admin/audit`,component:I(()=>L(()=>import(`./AuditLog-x6om1chW.js`),__vite__mapDeps([8,3,5]))),requiresAdmin:!0},{path:`/admin/storage`,component:I(()=>L(()=>import(`./Storage-C3Cf2T7M.js`),__vite__mapDeps([9,3,5]))),requiresAdmin:!0}],sa=[{path:`/my/packages`,component:I(()=>L(()=>import(`./MyPackages-BhsJsrgn.js`),__vite__mapDeps([10,3,4]))),requiresSignIn:!0},{path:`/my/packages/new`,component:I(()=>L(()=>import(`./NewPackage-W3cwAsD-.js`),__vite__mapDeps([11,3,12]))),requiresSignIn:!0},{path:`/my/packages/:name`,component:I(()=>L(()=>import(`./ManagePackage-Ctnpvn_I.js`),__vite__mapDeps([13,2,3,4,12,14,15]))),requiresSignIn:!0},{path:`/my/packages/:name/publish`,component:I(()=>L(()=>import(`./Publish-wj790JEJ.js`),__vite__mapDeps([16,2,3,15]))),requiresSignIn:!0},{path:`/my/tokens`,component:I(()=>L(()=>import(`./Tokens-BgteXbox.js`),__vite__mapDeps([17,3,4]))),requiresSignIn:!0},{path:`/my/publisher`,component:I(()=>L(()=>import(`./MyPublisher-DSoKU8tu.js`),__vite__mapDeps([18,3,4,12,14]))),requiresSignIn:!0}],ca=[{path:`/`,component:Nr},{path:`/search`,component:ia},{path:`/packages/:name`,component:Ki},{path:`/publishers/:name`,component:qi},{path:`/signin`,component:aa},...sa,...oa];function la({route:e,...t}){let n=tr(),r=F(),i=(e.requiresSignIn||e.requiresAdmin)&&n.status===`anonymous`;if(je(()=>{i&&r.route(Yn(r.url),!0)},[i,r.url]),e.requiresSignIn||e.requiresAdmin){if(n.status!==`signed-in`)return X(cr,{});if(e.requiresAdmin&&!n.viewer.isAdmin)return X(fr,{})}return X(e.component,{...t})}function ua(){let{url:e}=F(),t=P(!0);return je(()=>{t.current?t.current=!1:(document.getElementById(`main`)?.focus({preventScroll:!0}),window.scrollTo(0,0))},[e]),null}var da=ca.map(e=>({path:e.path,component:t=>X(la,{route:e,...t})}));function fa(){return X(Je,{children:[X(ua,{}),X(sr,{children:X(it,{children:X(Xe,{children:[...da.map(e=>X(tt,{path:e.path,component:e.component},e.path)),X(tt,{default:!0,component:fr},`not-found`)]})})})]})}er(),me(X(fa,{}),document.getElementById(`app`));export{Y as $,oi as A,Or as B,ri as C,ii as D,Xr as E,Zr as F,Q as G,Er as H,Qr as I,lr as J,fr as K,Jr as L,Yr as M,qr as N,li as O,$ as P,tr as Q,Pr as R,Hr as S,pi as T,Cr as U,Tr as V,Z as W,ur as X,cr as Y,X as Z,di as _,xi as a,En as at,ai as b,hi as c,J as ct,Ur as d,je as dt,In as et,Gr as f,P as ft,Wr as g,ti as h,bi as i,Tn as it,ni as j,mi as k,$r as l,L as lt,_i as m,S as mt,Ti as n,yn as nt,Si as o,pn as ot,ci as p,N as pt,dr as q,vi as r,wn as rt,ui as s,mn as st,Ei as t,hn as tt,ei as u,F as ut,gi as v,fi as w,Kr as x,si as y,Mr as z};