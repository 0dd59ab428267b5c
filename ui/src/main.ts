import { createApp } from 'vue';
import { createPinia } from 'pinia';
import App from './App.vue';
import { createAppRouter } from './router';
import { captureAttribution } from './lib/attribution';
import './styles.css';

// Keep utm_* and ttclid from the landing URL for the booking this visit may lead to.
captureAttribution(window.location.search);

const app = createApp(App);
app.use(createPinia());
app.use(createAppRouter());
app.mount('#app');
